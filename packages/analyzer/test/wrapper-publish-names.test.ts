/**
 * A publish through a wrapper eos cannot follow is judged by its receiver's name; the destination
 * a finding names must then be no more precise than the name: "pubsub" alone is a pattern (Redis,
 * GraphQL, an in-house bus), not Google's service. graphql-subscriptions' PubSub is in memory.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer, allRules } from '@eos/analyzer';

function dualWrites(publisher: string, publish: string): string[] {
  const text = [
    "import { PrismaClient } from '@prisma/client';",
    publisher,
    'const prisma = new PrismaClient();',
    'export async function initProject(id: string): Promise<void> {',
    "  await prisma.project.update({ where: { id }, data: { initialized: true } });",
    `  await ${publish};`,
    '}',
    '',
  ].join('\n');
  const analysis = new Analyzer({ rules: allRules.filter((r) => r.meta.id === 'dual-write') }).analyzeText('/app/src/init.ts', text);
  return analysis.findings.map((f) => f.message);
}

describe('destinations of wrapper publishes judged by name', () => {
  it('a receiver named only "pubsub" is "the message broker"', () => {
    const [message, ...rest] = dualWrites("import { projectPubSub } from '~/services/project-pubsub';", "projectPubSub.publish('PROJECT_INITIALIZED', { id })");
    expect(rest).toEqual([]);
    expect(message).toContain('sends to the message broker after');
    expect(message).not.toContain('Google');
  });

  it('a receiver that names Google keeps Google Pub/Sub', () => {
    const [message] = dualWrites("import { googlePubSub } from '~/services/gcp';", "googlePubSub.publish('project-initialized', { id })");
    expect(message).toContain('sends to Google Pub/Sub after');
  });

  it("graphql-subscriptions' in-memory PubSub publishes nothing durable", () => {
    expect(dualWrites("import { PubSub } from 'graphql-subscriptions';\nconst pubsub = new PubSub();", "pubsub.publish('PROJECT_INITIALIZED', { id })")).toEqual([]);
  });
});
