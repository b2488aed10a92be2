// Longer than ~300 lines on purpose: the schema's history as SQL, one ordered array that only grows at its end.
/**
 * @module store/postgres/migrations
 * Ordered migrations; index + 1 = schema version (table
 * `quarry_schema_migrations`). Append only: never edit one that shipped.
 * Times are bigint milliseconds since the epoch; JSON is JSONB.
 *
 * A migration is a function of what the server offers: document vectors
 * are a pgvector `vector` column when `CREATE EXTENSION vector` worked at
 * the time the table was created, else a plain `real[]` searched exactly.
 */
export interface MigrationContext {
  vector: boolean;
}

/** The triggers that keep the vector change log (migration 2's functions), created by migrations 2 and 7. */
const VECTOR_LOG_TRIGGERS = `    CREATE TRIGGER document_vectors_log_insert AFTER INSERT ON document_vectors
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quarry_document_vectors_changed();
    CREATE TRIGGER document_vectors_log_update AFTER UPDATE ON document_vectors
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quarry_document_vectors_changed();
    CREATE TRIGGER document_vectors_log_delete AFTER DELETE ON document_vectors
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quarry_document_vectors_changed();
    CREATE TRIGGER document_vectors_log_truncate AFTER TRUNCATE ON document_vectors
      FOR EACH STATEMENT EXECUTE FUNCTION quarry_document_vectors_truncated();
`;

export const postgresMigrations: readonly ((context: MigrationContext) => string)[] = [
  /* 1: foundation, data, runs */ (context) => `
CREATE TABLE organizations (
  org_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(org_id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  read_only BOOLEAN NOT NULL DEFAULT false,
  namespaces JSONB,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);

CREATE TABLE namespaces (
  namespace_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(org_id) ON DELETE CASCADE,
  namespace_name TEXT NOT NULL,
  description TEXT,
  feature_extractors JSONB NOT NULL DEFAULT '[]',
  payload_indexes JSONB NOT NULL DEFAULT '[]',
  auto_create_indexes BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT namespaces_unique_name UNIQUE (org_id, namespace_name)
);

CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  user_id TEXT,
  session_name TEXT,
  agent_config JSONB NOT NULL,
  effective_model TEXT NOT NULL,
  quotas JSONB,
  user_memory JSONB NOT NULL DEFAULT '{}',
  metadata JSONB NOT NULL DEFAULT '{}',
  enable_memory BOOLEAN NOT NULL DEFAULT true,
  status TEXT NOT NULL,
  message_count BIGINT NOT NULL DEFAULT 0,
  total_tokens BIGINT NOT NULL DEFAULT 0,
  total_tool_calls BIGINT NOT NULL DEFAULT 0,
  total_latency_ms DOUBLE PRECISION NOT NULL DEFAULT 0,
  answered_runs BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_activity_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  terminated_at BIGINT
);
CREATE INDEX sessions_by_namespace_created ON sessions(namespace_id, created_at, session_id);
CREATE INDEX sessions_by_namespace_activity ON sessions(namespace_id, last_activity_at, session_id);
CREATE INDEX sessions_by_user ON sessions(namespace_id, user_id);

CREATE TABLE messages (
  seq BIGSERIAL PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  run_id TEXT,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  content_type TEXT NOT NULL,
  tool_name TEXT,
  tool_call_id TEXT,
  tool_inputs TEXT,
  tool_outputs TEXT,
  tool_status TEXT,
  status TEXT NOT NULL DEFAULT 'complete',
  citations JSONB,
  metadata JSONB,
  created_at BIGINT NOT NULL
);
CREATE INDEX messages_by_session ON messages(session_id, seq);

CREATE TABLE runs (
  run_seq BIGSERIAL,
  run_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  user_message_id TEXT NOT NULL,
  status TEXT NOT NULL,
  idempotency_key TEXT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  state JSONB,
  created_at BIGINT NOT NULL,
  ended_at BIGINT
);
CREATE UNIQUE INDEX runs_one_active_per_session ON runs(session_id) WHERE status IN ('running', 'awaiting_confirmation');
CREATE UNIQUE INDEX runs_by_idempotency_key ON runs(session_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_by_lease ON runs(status, lease_expires_at);

CREATE TABLE run_events (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE confirmations (
  confirmation_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  tool_name TEXT NOT NULL,
  tool_call_id TEXT NOT NULL,
  inputs JSONB NOT NULL,
  status TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  answered_at BIGINT
);

CREATE TABLE feedback (
  message_id TEXT PRIMARY KEY REFERENCES messages(message_id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  rating TEXT NOT NULL,
  feedback_text TEXT,
  stored BOOLEAN NOT NULL,
  recorded_at BIGINT NOT NULL
);

CREATE TABLE memories (
  memory_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  user_id TEXT,
  session_id TEXT NOT NULL,
  message_id TEXT NOT NULL UNIQUE,
  user_message TEXT NOT NULL,
  assistant_message TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX memories_by_user ON memories(namespace_id, user_id);

CREATE TABLE collections (
  collection_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  collection_name TEXT NOT NULL,
  description TEXT,
  config JSONB NOT NULL,
  embedding_model TEXT NOT NULL,
  embedding_dimensions INTEGER NOT NULL,
  text_field TEXT NOT NULL,
  enabled BOOLEAN NOT NULL DEFAULT true,
  metadata JSONB,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT collections_unique_name UNIQUE (namespace_id, collection_name)
);

CREATE TABLE documents (
  id BIGSERIAL PRIMARY KEY,
  document_id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  collection_id TEXT NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,
  data JSONB NOT NULL,
  content TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  search_vector TSVECTOR NOT NULL DEFAULT ''::tsvector,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX documents_by_collection ON documents(collection_id, created_at, id);
CREATE INDEX documents_by_hash ON documents(collection_id, content_hash);
CREATE INDEX documents_search ON documents USING GIN (search_vector);
CREATE INDEX documents_data ON documents USING GIN (data jsonb_path_ops);

CREATE TABLE document_vectors (
  document_key BIGINT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
  collection_id TEXT NOT NULL,
  dimensions INTEGER NOT NULL,
  embedding ${context.vector ? 'vector' : 'REAL[]'} NOT NULL
);
CREATE INDEX document_vectors_by_collection ON document_vectors(collection_id, document_key);

CREATE TABLE retrievers (
  retriever_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  retriever_name TEXT NOT NULL,
  description TEXT,
  config JSONB NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT retrievers_unique_name UNIQUE (namespace_id, retriever_name)
);

CREATE TABLE executions (
  execution_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  retriever_id TEXT,
  status TEXT NOT NULL,
  inputs JSONB NOT NULL,
  inputs_hash TEXT NOT NULL,
  collection_ids JSONB NOT NULL,
  detail JSONB NOT NULL,
  duration_ms DOUBLE PRECISION NOT NULL,
  total_processed BIGINT NOT NULL,
  total_returned BIGINT NOT NULL,
  stages_completed INTEGER NOT NULL,
  total_stages INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE INDEX executions_by_retriever ON executions(namespace_id, retriever_id, created_at);
`,
  /* 2: a change log of document vectors, for the per-process vector copies of exact mode (see exact-vector-cache) */ () => `
ALTER TABLE collections
  ADD COLUMN vector_version BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN vector_log_floor BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN vector_count BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN vector_log_rows BIGINT NOT NULL DEFAULT 0;
UPDATE collections c SET vector_count = counted.n
  FROM (SELECT collection_id, count(*) AS n FROM document_vectors GROUP BY collection_id) AS counted
  WHERE counted.collection_id = c.collection_id;

-- Keys whose vector changed (inserted, replaced or deleted) in the statement that made the collection's version.
CREATE TABLE document_vector_log (
  collection_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  document_key BIGINT NOT NULL,
  PRIMARY KEY (collection_id, version, document_key)
);

-- One version per statement and collection. The UPDATE holds the collection row until commit, so
-- versions commit in order. The log is pruned (oldest half) once it has 10,000 rows more than the
-- collection has vectors: a reader that far behind reloads the collection instead.
CREATE FUNCTION quarry_log_vector_changes(changed_collection TEXT, changed_keys BIGINT[], count_change BIGINT) RETURNS void
LANGUAGE plpgsql AS $log$
DECLARE
  new_version BIGINT;
  log_rows BIGINT;
  live BIGINT;
  new_floor BIGINT;
  pruned BIGINT;
BEGIN
  UPDATE collections SET vector_version = vector_version + 1, vector_count = vector_count + count_change,
    vector_log_rows = vector_log_rows + cardinality(changed_keys)
  WHERE collection_id = changed_collection
  RETURNING vector_version, vector_log_rows, vector_count INTO new_version, log_rows, live;
  IF NOT FOUND THEN
    -- The collection is being deleted (its documents cascade here): its log goes too.
    DELETE FROM document_vector_log WHERE collection_id = changed_collection;
    RETURN;
  END IF;
  INSERT INTO document_vector_log (collection_id, version, document_key) SELECT changed_collection, new_version, unnest(changed_keys);
  IF log_rows > 10000 + live THEN
    SELECT l.version INTO new_floor FROM document_vector_log l WHERE l.collection_id = changed_collection
      ORDER BY l.version DESC OFFSET log_rows / 2 LIMIT 1;
    IF new_floor IS NOT NULL THEN
      DELETE FROM document_vector_log WHERE collection_id = changed_collection AND version <= new_floor;
      GET DIAGNOSTICS pruned = ROW_COUNT;
      UPDATE collections SET vector_log_floor = new_floor, vector_log_rows = vector_log_rows - pruned WHERE collection_id = changed_collection;
    END IF;
  END IF;
END
$log$;

CREATE FUNCTION quarry_document_vectors_changed() RETURNS trigger
LANGUAGE plpgsql AS $changed$
DECLARE
  changed RECORD;
BEGIN
  -- Collections in a fixed order, so two statements touching the same ones cannot deadlock.
  IF TG_OP = 'INSERT' THEN
    FOR changed IN SELECT n.collection_id, array_agg(n.document_key) AS keys, count(*) AS delta FROM new_rows n GROUP BY n.collection_id ORDER BY n.collection_id LOOP
      PERFORM quarry_log_vector_changes(changed.collection_id, changed.keys, changed.delta);
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR changed IN SELECT o.collection_id, array_agg(o.document_key) AS keys, -count(*) AS delta FROM old_rows o GROUP BY o.collection_id ORDER BY o.collection_id LOOP
      PERFORM quarry_log_vector_changes(changed.collection_id, changed.keys, changed.delta);
    END LOOP;
  ELSE
    -- Only rows whose vector really changed; a row moved between collections leaves one and joins the other.
    FOR changed IN
      SELECT moved.collection_id, array_agg(DISTINCT moved.document_key) AS keys, sum(moved.delta)::bigint AS delta FROM (
        SELECT n.collection_id, n.document_key, 1 AS delta FROM new_rows n JOIN old_rows o ON o.document_key = n.document_key
          WHERE (n.collection_id, n.dimensions, n.embedding) IS DISTINCT FROM (o.collection_id, o.dimensions, o.embedding)
        UNION ALL
        SELECT o.collection_id, o.document_key, -1 AS delta FROM old_rows o JOIN new_rows n ON n.document_key = o.document_key
          WHERE (n.collection_id, n.dimensions, n.embedding) IS DISTINCT FROM (o.collection_id, o.dimensions, o.embedding)
      ) AS moved GROUP BY moved.collection_id ORDER BY moved.collection_id
    LOOP
      PERFORM quarry_log_vector_changes(changed.collection_id, changed.keys, changed.delta);
    END LOOP;
  END IF;
  RETURN NULL;
END
$changed$;

-- TRUNCATE logs nothing per row: every copy must reload.
CREATE FUNCTION quarry_document_vectors_truncated() RETURNS trigger
LANGUAGE plpgsql AS $truncated$
BEGIN
  UPDATE collections SET vector_version = vector_version + 1, vector_log_floor = vector_version + 1, vector_count = 0, vector_log_rows = 0;
  DELETE FROM document_vector_log;
  RETURN NULL;
END
$truncated$;

-- The triggers only where the copies are used: vectors stored as real[] (no pgvector).
DO $triggers$
BEGIN
  IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'document_vectors'::regclass AND attname = 'embedding') <> 'vector' THEN
${VECTOR_LOG_TRIGGERS}  END IF;
END
$triggers$;
`,
  /* 3: which incarnation of a collection id a vector copy holds (an id can come back through import), and logs that go with their collection */ () => `
CREATE SEQUENCE collection_incarnations;
ALTER TABLE collections ADD COLUMN vector_incarnation BIGINT NOT NULL DEFAULT nextval('collection_incarnations');

-- A deleted collection's log goes with it, even when its vectors were all deleted earlier (no cascade reached the log then).
CREATE FUNCTION quarry_forget_collection_log() RETURNS trigger
LANGUAGE plpgsql AS $forget$
BEGIN
  DELETE FROM document_vector_log WHERE collection_id = OLD.collection_id;
  RETURN NULL;
END
$forget$;
CREATE TRIGGER collections_forget_vector_log AFTER DELETE ON collections FOR EACH ROW EXECUTE FUNCTION quarry_forget_collection_log();
`,
  /* mcp servers: external MCP servers registered per namespace */ () => `
CREATE TABLE mcp_servers (
  server_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  server_name TEXT NOT NULL,
  description TEXT,
  transport TEXT NOT NULL,
  url TEXT,
  headers JSONB NOT NULL,
  command TEXT,
  args JSONB NOT NULL,
  env JSONB NOT NULL,
  timeout_ms INTEGER,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT mcp_servers_unique_name UNIQUE (namespace_id, server_name)
);
`,
  /* scoped API keys hold namespace ids, not names (a rename moved a key into another namespace); a name that resolves to nothing stays unresolvable */ () => `
UPDATE api_keys SET namespaces = (
  SELECT COALESCE(jsonb_agg(COALESCE(
    (SELECT n.namespace_id FROM namespaces n WHERE n.org_id = api_keys.org_id AND (n.namespace_id = entry.value OR n.namespace_name = entry.value) ORDER BY (n.namespace_id = entry.value) DESC LIMIT 1),
    'unresolved:' || entry.value)), '[]'::jsonb)
  FROM jsonb_array_elements_text(api_keys.namespaces) AS entry(value))
WHERE namespaces IS NOT NULL AND jsonb_typeof(namespaces) = 'array';
`,
  /* document change log: documents (text and metadata) changed, for the per-process BM25 indexes and filter results (see text-index-cache), as migration 2 does for vectors */ () => `
ALTER TABLE collections
  ADD COLUMN document_version BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN document_log_floor BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN document_count BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN document_log_rows BIGINT NOT NULL DEFAULT 0;
UPDATE collections c SET document_count = counted.n
  FROM (SELECT collection_id, count(*) AS n FROM documents GROUP BY collection_id) AS counted
  WHERE counted.collection_id = c.collection_id;

-- The text indexes load a collection in keyset pages of document keys.
CREATE INDEX documents_by_collection_key ON documents(collection_id, id);

-- Keys of documents inserted, changed (text or metadata), moved or deleted by the statement that made the version.
CREATE TABLE document_change_log (
  collection_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  document_key BIGINT NOT NULL,
  PRIMARY KEY (collection_id, version, document_key)
);

-- As quarry_log_vector_changes: one version per statement and collection, committed in order (the row lock), pruned past 10,000 + live rows.
CREATE FUNCTION quarry_log_document_changes(changed_collection TEXT, changed_keys BIGINT[], count_change BIGINT) RETURNS void
LANGUAGE plpgsql AS $log$
DECLARE
  new_version BIGINT;
  log_rows BIGINT;
  live BIGINT;
  new_floor BIGINT;
  pruned BIGINT;
BEGIN
  UPDATE collections SET document_version = document_version + 1, document_count = document_count + count_change,
    document_log_rows = document_log_rows + cardinality(changed_keys)
  WHERE collection_id = changed_collection
  RETURNING document_version, document_log_rows, document_count INTO new_version, log_rows, live;
  IF NOT FOUND THEN
    DELETE FROM document_change_log WHERE collection_id = changed_collection;
    RETURN;
  END IF;
  INSERT INTO document_change_log (collection_id, version, document_key) SELECT changed_collection, new_version, unnest(changed_keys);
  IF log_rows > 10000 + live THEN
    SELECT l.version INTO new_floor FROM document_change_log l WHERE l.collection_id = changed_collection
      ORDER BY l.version DESC OFFSET log_rows / 2 LIMIT 1;
    IF new_floor IS NOT NULL THEN
      DELETE FROM document_change_log WHERE collection_id = changed_collection AND version <= new_floor;
      GET DIAGNOSTICS pruned = ROW_COUNT;
      UPDATE collections SET document_log_floor = new_floor, document_log_rows = document_log_rows - pruned WHERE collection_id = changed_collection;
    END IF;
  END IF;
END
$log$;

CREATE FUNCTION quarry_documents_changed() RETURNS trigger
LANGUAGE plpgsql AS $changed$
DECLARE
  changed RECORD;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR changed IN SELECT n.collection_id, array_agg(n.id) AS keys, count(*) AS delta FROM new_rows n GROUP BY n.collection_id ORDER BY n.collection_id LOOP
      PERFORM quarry_log_document_changes(changed.collection_id, changed.keys, changed.delta);
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR changed IN SELECT o.collection_id, array_agg(o.id) AS keys, -count(*) AS delta FROM old_rows o GROUP BY o.collection_id ORDER BY o.collection_id LOOP
      PERFORM quarry_log_document_changes(changed.collection_id, changed.keys, changed.delta);
    END LOOP;
  ELSE
    -- Rows whose text, metadata, collection or id changed (metadata: cached filter results depend on it).
    FOR changed IN
      SELECT moved.collection_id, array_agg(DISTINCT moved.id) AS keys, sum(moved.delta)::bigint AS delta FROM (
        SELECT n.collection_id, n.id, 1 AS delta FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE (n.collection_id, n.document_id, n.content, n.data) IS DISTINCT FROM (o.collection_id, o.document_id, o.content, o.data)
        UNION ALL
        SELECT o.collection_id, o.id, -1 AS delta FROM old_rows o JOIN new_rows n ON n.id = o.id
          WHERE (n.collection_id, n.document_id, n.content, n.data) IS DISTINCT FROM (o.collection_id, o.document_id, o.content, o.data)
      ) AS moved GROUP BY moved.collection_id ORDER BY moved.collection_id
    LOOP
      PERFORM quarry_log_document_changes(changed.collection_id, changed.keys, changed.delta);
    END LOOP;
  END IF;
  RETURN NULL;
END
$changed$;

CREATE FUNCTION quarry_documents_truncated() RETURNS trigger
LANGUAGE plpgsql AS $truncated$
BEGIN
  UPDATE collections SET document_version = document_version + 1, document_log_floor = document_version + 1, document_count = 0, document_log_rows = 0;
  DELETE FROM document_change_log;
  RETURN NULL;
END
$truncated$;

CREATE TRIGGER documents_change_log_insert AFTER INSERT ON documents
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quarry_documents_changed();
CREATE TRIGGER documents_change_log_update AFTER UPDATE ON documents
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quarry_documents_changed();
CREATE TRIGGER documents_change_log_delete AFTER DELETE ON documents
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quarry_documents_changed();
CREATE TRIGGER documents_change_log_truncate AFTER TRUNCATE ON documents
  FOR EACH STATEMENT EXECUTE FUNCTION quarry_documents_truncated();

CREATE FUNCTION quarry_forget_collection_document_log() RETURNS trigger
LANGUAGE plpgsql AS $forget$
BEGIN
  DELETE FROM document_change_log WHERE collection_id = OLD.collection_id;
  RETURN NULL;
END
$forget$;
CREATE TRIGGER collections_forget_document_log AFTER DELETE ON collections FOR EACH ROW EXECUTE FUNCTION quarry_forget_collection_document_log();
`,
  /* the vector change log with pgvector too: large collections are searched in process there once their graph is built (see process-vector-search) */ () => `
DO $triggers$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'document_vectors'::regclass AND tgname = 'document_vectors_log_insert') THEN
${VECTOR_LOG_TRIGGERS}    -- Nothing was counted or logged until now: counts from the table, and every copy (none yet) starts with a whole load.
    UPDATE collections c SET vector_count = COALESCE((SELECT count(*) FROM document_vectors v WHERE v.collection_id = c.collection_id), 0),
      vector_version = vector_version + 1, vector_log_floor = vector_version + 1, vector_log_rows = 0;
    DELETE FROM document_vector_log;
  END IF;
END
$triggers$;
`,
];
