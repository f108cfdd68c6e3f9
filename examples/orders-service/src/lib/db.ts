import { Pool } from 'pg';
import { PrismaClient } from '@prisma/client';

/** One pool per process; handlers borrow clients for transactions. */
export const pool = new Pool({ connectionString: process.env.DATABASE_URL });

export const prisma = new PrismaClient();
