/**
 * Keys the project declares beside its code: the unique keys of Prisma models read from
 * schema.prisma text. A key the database makes itself (`@default(…)`) is no key a message gives.
 */
import { describe, expect, it } from 'vitest';
import { readKeys } from '../src/facts/effects/prisma-schema';

const SCHEMA = `
// a comment with model Fake { id String @id } inside
model Account {
  id        String   @id @default(cuid())
  email     String   @unique // the login
  handle    String?  @unique
  createdAt DateTime @default(now())
}

model Booking {
  id     Int    @id @default(autoincrement())
  roomId String
  night  String
  guest  String

  @@unique([roomId, night])
}

model Ledger {
  entryId String @id
  amount  Int
  @@id(fields: [entryId, amount])
}

model Note {
  id   String @id @default(uuid())
  text String
}
`;

describe('Prisma schema keys', () => {
  const keys = readKeys(SCHEMA);

  it('reads single-field unique keys and leaves out keys the database makes', () => {
    expect(keys.get('account')).toEqual([['email'], ['handle']]);
    expect(keys.get('note')).toEqual([]);
  });

  it('reads compound keys as one key of several fields', () => {
    expect(keys.get('booking')).toEqual([['roomId', 'night']]);
    expect(keys.get('ledger')).toEqual([['entryId'], ['entryId', 'amount']]);
  });

  it('names models in lower case and knows no model that is not declared', () => {
    expect([...keys.keys()].sort()).toEqual(['account', 'booking', 'ledger', 'note']);
    expect(readKeys('').size).toBe(0);
  });
});
