#include "token/soft/object_rows.h"

#include <algorithm>
#include <array>
#include <string>

namespace p11::soft {
namespace {

void BindHash(Statement& stmt, int index, const std::optional<Digest>& hash) {
  if (hash) {
    stmt.Bind(index, ByteView(*hash));
  } else {
    stmt.BindNull(index);
  }
}

}  // namespace

Result<ObjectId> InsertObjectRow(Transaction& txn, int64_t token_id, const ObjectHeader& header) {
  P11_ASSIGN_OR_RETURN(
      Statement stmt,
      txn.Prepare("INSERT INTO objects (token_id, class, is_private, label_hash, id_hash) "
                  "VALUES (?, ?, ?, ?, ?)"));
  stmt.Bind(1, token_id)
      .Bind(2, static_cast<int64_t>(header.object_class))
      .Bind(3, int64_t{header.is_private ? 1 : 0});
  BindHash(stmt, 4, header.label_hash);
  BindHash(stmt, 5, header.id_hash);
  P11_TRY(stmt.Run());
  return static_cast<ObjectId>(txn.LastInsertRowid());
}

Result<bool> UpdateObjectRow(Transaction& txn, int64_t token_id, ObjectId id,
                             const ObjectHeader& header) {
  P11_ASSIGN_OR_RETURN(
      Statement stmt,
      txn.Prepare("UPDATE objects SET class = ?, is_private = ?, label_hash = ?, id_hash = ? "
                  "WHERE id = ? AND token_id = ?"));
  stmt.Bind(1, static_cast<int64_t>(header.object_class))
      .Bind(2, int64_t{header.is_private ? 1 : 0});
  BindHash(stmt, 3, header.label_hash);
  BindHash(stmt, 4, header.id_hash);
  P11_TRY(stmt.Bind(5, static_cast<int64_t>(id)).Bind(6, token_id).Run());
  return txn.Changes() > 0;
}

Result<void> ReplaceAttributes(Transaction& txn, ObjectId id, const std::vector<AttrRow>& rows) {
  {
    P11_ASSIGN_OR_RETURN(Statement clear,
                         txn.Prepare("DELETE FROM attributes WHERE object_id = ?"));
    P11_TRY(clear.Bind(1, static_cast<int64_t>(id)).Run());
  }
  return InsertAttributes(txn, id, rows);
}

Result<void> InsertAttributes(Transaction& txn, ObjectId id, const std::vector<AttrRow>& rows) {
  // Up to kRowsPerInsert rows per statement: one statement run per row cost SQLite a
  // statement start, halt and reset each, a third of an attribute row's insert.
  constexpr size_t kRowsPerInsert = 16;
  // The statement for n rows is kInsertSql[n - 1], written once.
  static const std::array<std::string, kRowsPerInsert> kInsertSql = [] {
    std::array<std::string, kRowsPerInsert> sql;
    sql[0] = "INSERT INTO attributes (object_id, type, value, encrypted) VALUES (?,?,?,?)";
    for (size_t n = 1; n < kRowsPerInsert; ++n) sql[n] = sql[n - 1] + ",(?,?,?,?)";
    return sql;
  }();
  for (size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
    const size_t count = std::min(kRowsPerInsert, rows.size() - first);
    P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare(kInsertSql[count - 1]));
    for (size_t i = 0; i < count; ++i) {
      const AttrRow& row = rows[first + i];
      const int base = static_cast<int>(4 * i);
      stmt.Bind(base + 1, static_cast<int64_t>(id))
          .Bind(base + 2, static_cast<int64_t>(row.type))
          .Bind(base + 3, ByteView(row.value))
          .Bind(base + 4, int64_t{row.encrypted ? 1 : 0});
    }
    P11_TRY(stmt.Run());
  }
  return Ok();
}

Result<bool> DeleteObjectRow(Transaction& txn, int64_t token_id, ObjectId id) {
  P11_ASSIGN_OR_RETURN(Statement stmt,
                       txn.Prepare("DELETE FROM objects WHERE id = ? AND token_id = ?"));
  P11_TRY(stmt.Bind(1, static_cast<int64_t>(id)).Bind(2, token_id).Run());
  return txn.Changes() > 0;
}

Result<void> DeleteAllObjects(Transaction& txn, int64_t token_id) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("DELETE FROM objects WHERE token_id = ?"));
  return stmt.Bind(1, token_id).Run();
}

Result<std::vector<ObjectRow>> LoadObjects(Transaction& txn, int64_t token_id, bool with_private) {
  // One pass over a join ordered by object: rows of one object arrive together.
  P11_ASSIGN_OR_RETURN(
      Statement stmt,
      txn.Prepare("SELECT o.id, o.class, o.is_private, a.type, a.value, a.encrypted "
                  "FROM objects o LEFT JOIN attributes a ON a.object_id = o.id "
                  "WHERE o.token_id = ? AND (o.is_private = 0 OR ?) ORDER BY o.id"));
  stmt.Bind(1, token_id).Bind(2, int64_t{with_private ? 1 : 0});
  std::vector<ObjectRow> out;
  while (true) {
    P11_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) break;
    ObjectId id = static_cast<ObjectId>(stmt.Int(0));
    if (out.empty() || out.back().id != id) {
      ObjectRow row;
      row.id = id;
      row.header.object_class = static_cast<CK_OBJECT_CLASS>(stmt.Int(1));
      row.header.is_private = stmt.Int(2) != 0;
      out.push_back(std::move(row));
    }
    if (stmt.IsNull(3)) continue;  // an object without attribute rows
    ByteView value = stmt.Blob(4);
    out.back().attributes.push_back(AttrRow{static_cast<CK_ATTRIBUTE_TYPE>(stmt.Int(3)),
                                            {value.begin(), value.end()},
                                            stmt.Int(5) != 0});
  }
  return out;
}

}  // namespace p11::soft
