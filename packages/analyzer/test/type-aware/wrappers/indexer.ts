// A Kafka consumer made by the wrapper and run here: a batch loop without heartbeats. The consumer
// recognizer accepts `run({ eachBatch })` on an object of unknown origin, so both modes find it.
import { makeConsumer } from './broker';

export async function startIndexer(store: { put(key: string, value: string): Promise<void> }): Promise<void> {
  const consumer = makeConsumer('indexer');
  await consumer.subscribe({ topics: ['orders'] });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      // expect: handler-outlives-deadline
      for (const message of batch.messages) {
        await store.put(String(message.key), String(message.value));
      }
    },
  });
}
