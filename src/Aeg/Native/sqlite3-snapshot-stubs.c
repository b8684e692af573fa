/* Debian's libsqlite3 is built without SQLITE_ENABLE_SNAPSHOT, but SQLitePCLRaw's "sqlite3"
 * provider declares the snapshot functions, and the native aeg links every declared function
 * directly (DirectPInvoke). Aeg never takes snapshots (Microsoft.Data.Sqlite does not use them);
 * these stand-ins satisfy the linker and answer SQLITE_ERROR, as a build without the feature
 * would, should anything ever call them. */
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_snapshot sqlite3_snapshot;

#define AEG_SQLITE_ERROR 1

int sqlite3_snapshot_get(sqlite3 *db, const char *schema, sqlite3_snapshot **snapshot)
{
  (void)db; (void)schema;
  if (snapshot) *snapshot = 0;
  return AEG_SQLITE_ERROR;
}

int sqlite3_snapshot_open(sqlite3 *db, const char *schema, sqlite3_snapshot *snapshot)
{
  (void)db; (void)schema; (void)snapshot;
  return AEG_SQLITE_ERROR;
}

int sqlite3_snapshot_recover(sqlite3 *db, const char *schema)
{
  (void)db; (void)schema;
  return AEG_SQLITE_ERROR;
}

int sqlite3_snapshot_cmp(sqlite3_snapshot *a, sqlite3_snapshot *b)
{
  (void)a; (void)b;
  return 0;
}

void sqlite3_snapshot_free(sqlite3_snapshot *snapshot)
{
  (void)snapshot;
}
