import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { sql, type RawBuilder } from "kysely";
import { toPage, type Keyset, type Page } from "../../domain/shared/pagination.ts";
import { ConcurrentUpdateError } from "../../domain/shared/persistence-errors.ts";
import type { User, UserStatus } from "../../domain/users/user.ts";
import type { UserFilter, UserPageQuery, UserRepository, UserSortField } from "../../domain/users/user-repository.ts";
import { UserEntity } from "./entities.ts";
import { keysetConditions, likeLiteral, orderBy, where, type SortColumn } from "./keyset-sql.ts";
import { timestamptzToDate } from "../postgres/timestamptz.ts";
import { primaryReads, type Reads } from "./read-routing.ts";

/** A users row as raw queries return it: timestamps as PostgreSQL text, exact to the microsecond. */
interface UserRow {
  id: string;
  email: string;
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  version: number;
}

const COLUMNS = sql.raw("id, email, name, status, created_at, updated_at, version");

const SORT_COLUMNS: Record<UserSortField, SortColumn> = {
  CREATED_AT: { expression: "created_at", cast: "timestamptz" },
  NAME: { expression: "name", cast: "text", collate: "C" },
  EMAIL: { expression: "email", cast: "text", collate: "C" },
};

const fromRow = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  status: row.status as UserStatus,
  createdAt: timestamptzToDate(row.created_at),
  updatedAt: timestamptzToDate(row.updated_at),
  version: row.version,
});

/** A users row joined to another table's rows, its columns named `user_*` (`user_id` is the other table's reference). */
export interface PrefixedUserRow {
  user_id: string;
  user_email: string;
  user_name: string;
  user_status: string;
  user_created_at: string;
  user_updated_at: string;
  user_version: number;
}

/** The columns of `PrefixedUserRow` but `user_id`, selected from a `users` row. */
export const PREFIXED_USER_COLUMNS = sql.raw(
  "email as user_email, name as user_name, status as user_status, created_at as user_created_at, updated_at as user_updated_at, version as user_version",
);

export const userFromPrefixedRow = (row: PrefixedUserRow): User =>
  fromRow({
    id: row.user_id,
    email: row.user_email,
    name: row.user_name,
    status: row.user_status,
    created_at: row.user_created_at,
    updated_at: row.user_updated_at,
    version: row.user_version,
  });

const keyOf = (row: UserRow, field: UserSortField): Keyset => ({
  value: field === "NAME" ? row.name : field === "EMAIL" ? row.email : row.created_at,
  id: row.id,
});

type UserEntityShape = InstanceType<typeof UserEntity.class>;

const fromEntity = (entity: UserEntityShape): User => ({
  id: entity.id,
  email: entity.email,
  name: entity.name,
  status: entity.status as UserStatus,
  createdAt: entity.createdAt,
  updatedAt: entity.updatedAt,
  version: entity.version,
});

function conditions(filter: UserFilter): RawBuilder<unknown>[] {
  const result: RawBuilder<unknown>[] = [];
  if (filter.search !== undefined) {
    const pattern = likeLiteral(filter.search);
    result.push(sql`(name ilike ${pattern} or email ilike ${pattern})`);
  }
  if (filter.status !== undefined) result.push(sql`status = ${filter.status}`);
  if (filter.createdAfter !== undefined) result.push(sql`created_at >= ${filter.createdAfter}`);
  if (filter.createdBefore !== undefined) result.push(sql`created_at < ${filter.createdBefore}`);
  return result;
}

/**
 * Users in PostgreSQL. Reads select plain rows (no entity hydration); writes go through
 * MikroORM entities, so the unit of work and its version check apply.
 */
export function createMikroOrmUserRepository(em: EntityManager, reads: Reads = primaryReads(em)): UserRepository {
  const rows = async <Row = UserRow>(query: RawBuilder<Row>) => (await reads((db) => query.execute(db))).rows;

  return {
    async getOne(id) {
      // In a transaction the entity is loaded into the unit of work, so the update that follows
      // finds it without another query; a plain read needs no entity at all.
      if (em.isInTransaction()) {
        const entity = await em.findOne(UserEntity, { id });
        return entity && fromEntity(entity);
      }
      const [row] = await rows(sql<UserRow>`select ${COLUMNS} from users where id = ${id}::uuid`);
      return row ? fromRow(row) : null;
    },

    async getOneForShare(id) {
      const entity = await em.findOne(UserEntity, { id }, { lockMode: LockMode.PESSIMISTIC_READ, refresh: true });
      return entity && fromEntity(entity);
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const found = await rows(sql<UserRow>`select ${COLUMNS} from users where id = any(${[...ids]}::uuid[])`);
      const byId = new Map(found.map((row) => [row.id, fromRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    },

    async getOneByEmail(email) {
      const [row] = await rows(sql<UserRow>`select ${COLUMNS} from users where lower(email) = lower(${email})`);
      return row ? fromRow(row) : null;
    },

    async getPage({ filter, sort, page }: UserPageQuery): Promise<Page<User>> {
      const column = SORT_COLUMNS[sort.field];
      const all = [...conditions(filter), ...keysetConditions(column, sort.direction, page)];
      const found = await rows(sql<UserRow>`
        select ${COLUMNS} from users where ${where(all)}
        ${orderBy(column, sort.direction, page)} limit ${page.limit + 1}`);
      return toPage(found.map((row) => ({ node: fromRow(row), key: keyOf(row, sort.field) })), page);
    },

    async count(filter) {
      const [row] = await rows(sql<{ count: number }>`select count(*)::int as count from users where ${where(conditions(filter))}`);
      return row?.count ?? 0;
    },

    async createOne(user) {
      em.create(UserEntity, { ...user });
      await em.flush();
    },

    async updateOne(next) {
      const entity = await em.findOne(UserEntity, { id: next.id });
      if (!entity || entity.version !== next.version - 1) throw new ConcurrentUpdateError("User", next.id);
      // `version` is left to MikroORM: it increments it and checks the old value in the UPDATE.
      em.assign(entity, { email: next.email, name: next.name, status: next.status, updatedAt: next.updatedAt });
      await em.flush();
    },
  };
}
