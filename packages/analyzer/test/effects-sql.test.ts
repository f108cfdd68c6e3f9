/** The SQL reading behind the side-effect facts: writes vs reads, upserts, counters, transaction boundaries. */
import { describe, expect, it } from 'vitest';
import { readSql, looksLikeSql } from '../src/facts/effects/sql';

describe('readSql', () => {
  it.each([
    ['INSERT INTO orders (id) VALUES ($1)', 'insert', 'orders', false],
    ['insert into "public"."orders" (id) values (?)', 'insert', 'orders', false],
    ['INSERT INTO inbox (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', 'insert', 'inbox', true],
    ['INSERT INTO addresses (id, line1) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET line1 = EXCLUDED.line1', 'upsert', 'addresses', true],
    ['INSERT INTO t (id) VALUES (?) ON DUPLICATE KEY UPDATE name = VALUES(name)', 'upsert', 't', true],
    ['INSERT IGNORE INTO t (id) VALUES (?)', 'insert', 't', true],
    ['INSERT OR IGNORE INTO t (id) VALUES (?)', 'insert', 't', true],
    ['REPLACE INTO t (id) VALUES (?)', 'upsert', 't', true],
    ["UPDATE orders SET status = 'paid' WHERE id = $1", 'update', 'orders', true],
    ['UPDATE customers SET points = points + 10 WHERE id = $1', 'update', 'customers', false],
    ['UPDATE stock SET qty = COALESCE(qty, 0) - $2 WHERE sku = $1', 'update', 'stock', false],
    ['INSERT INTO counters (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = counters.n + 1', 'upsert', 'counters', false],
    ['DELETE FROM carts WHERE order_id = $1', 'delete', 'carts', true],
    ['WITH moved AS (DELETE FROM outbox WHERE id = $1 RETURNING *) SELECT * FROM moved', 'delete', 'outbox', true],
    ['SELECT * FROM outbox WHERE published_at IS NULL FOR UPDATE SKIP LOCKED', 'select', 'outbox', true],
  ])('%s', (sql, verb, table, idempotent) => {
    const read = readSql(sql);
    expect(read.verb).toBe(verb);
    expect(read.table).toBe(table);
    expect(read.idempotent).toBe(idempotent);
  });

  it('recognises transaction boundaries', () => {
    expect(readSql('BEGIN').verb).toBe('begin');
    expect(readSql('START TRANSACTION').verb).toBe('begin');
    expect(readSql('COMMIT').verb).toBe('commit');
    expect(readSql('ROLLBACK').verb).toBe('rollback');
    expect(readSql('ROLLBACK TO SAVEPOINT a').verb).not.toBe('rollback');
  });

  it('flags counters, including inside comments-free multi-line text', () => {
    expect(readSql('-- bump\nUPDATE pages\n  SET visits = visits + 1\n WHERE id = $1').counter).toBe(true);
    expect(readSql("UPDATE pages SET title = 'x' WHERE id = $1").counter).toBe(false);
  });

  it('tells SQL from other text passed to query-like methods', () => {
    expect(looksLikeSql('  select 1')).toBe(true);
    expect(looksLikeSql('orders.created')).toBe(false);
    expect(looksLikeSql('{"query": 1}')).toBe(false);
  });
});
