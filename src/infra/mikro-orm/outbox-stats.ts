import type { MikroORM } from "@mikro-orm/postgresql";

/** What operators watch: events waiting to be published, how old the oldest is, dead letters. */
export async function outboxStats(orm: MikroORM): Promise<{ backlog: number; oldestPendingSeconds: number; deadLetters: number }> {
  const [row] = await orm.em.fork().execute<{ backlog: number; lag: number | null; dead: number }[]>(
    `select count(*)::int as backlog,
            extract(epoch from now() - min(created_at))::float8 as lag,
            (select count(*)::int from outbox_dead_letters) as dead
     from outbox_events where published_at is null`,
  );
  return { backlog: row?.backlog ?? 0, oldestPendingSeconds: Math.max(row?.lag ?? 0, 0), deadLetters: row?.dead ?? 0 };
}
