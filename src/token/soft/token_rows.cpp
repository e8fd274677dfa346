#include "token/soft/token_rows.h"

namespace p11::soft {
namespace {

std::vector<uint8_t> ToVector(ByteView bytes) { return {bytes.begin(), bytes.end()}; }

const char* WrappedColumns(PinRole role) {
  return role == PinRole::kSo
             ? "UPDATE tokens SET so_wrapped_key = ?, so_salt = ?, so_iterations = ?, "
               "so_failures = 0 WHERE id = ?"
             : "UPDATE tokens SET user_wrapped_key = ?, user_salt = ?, user_iterations = ?, "
               "user_failures = 0 WHERE id = ?";
}

void ReadPinColumns(const Statement& stmt, TokenRow& row) {
  row.so_pin.wrapped_key = ToVector(stmt.Blob(7));
  row.so_pin.salt = ToVector(stmt.Blob(8));
  row.so_pin.iterations = static_cast<unsigned>(stmt.Int(9));
  row.so_failures = static_cast<uint32_t>(stmt.Int(10));
  if (!stmt.IsNull(11)) {
    row.user_pin = PinRecord{ToVector(stmt.Blob(11)), ToVector(stmt.Blob(12)),
                             static_cast<unsigned>(stmt.Int(13))};
  }
  row.user_failures = static_cast<uint32_t>(stmt.Int(14));
}

}  // namespace

Result<std::optional<TokenRow>> ReadTokenRow(Transaction& txn, int64_t id) {
  P11_ASSIGN_OR_RETURN(
      Statement stmt,
      txn.Prepare("SELECT id, slot_id, uuid, serial, label, model, generation, so_wrapped_key, "
                  "so_salt, so_iterations, so_failures, user_wrapped_key, user_salt, "
                  "user_iterations, user_failures FROM tokens WHERE id = ?"));
  stmt.Bind(1, id);
  P11_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<TokenRow>();
  TokenRow row;
  row.id = stmt.Int(0);
  row.slot_id = static_cast<CK_SLOT_ID>(stmt.Int(1));
  row.uuid = ToVector(stmt.Blob(2));
  row.serial = std::string(stmt.Text(3));
  row.label = std::string(stmt.Text(4));
  row.model = std::string(stmt.Text(5));
  row.generation = stmt.Int(6);
  ReadPinColumns(stmt, row);
  return std::optional<TokenRow>(std::move(row));
}

Result<std::vector<TokenRef>> ListTokens(Transaction& txn) {
  P11_ASSIGN_OR_RETURN(Statement stmt,
                       txn.Prepare("SELECT id, slot_id FROM tokens ORDER BY slot_id"));
  std::vector<TokenRef> out;
  while (true) {
    P11_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(TokenRef{stmt.Int(0), static_cast<CK_SLOT_ID>(stmt.Int(1))});
  }
  return out;
}

Result<int64_t> InsertTokenRow(Transaction& txn, const TokenRow& row) {
  P11_ASSIGN_OR_RETURN(
      Statement stmt,
      txn.Prepare("INSERT INTO tokens (slot_id, uuid, serial, label, model, so_wrapped_key, "
                  "so_salt, so_iterations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, static_cast<int64_t>(row.slot_id))
      .Bind(2, ByteView(row.uuid))
      .BindText(3, row.serial)
      .BindText(4, row.label)
      .BindText(5, row.model)
      .Bind(6, ByteView(row.so_pin.wrapped_key))
      .Bind(7, ByteView(row.so_pin.salt))
      .Bind(8, static_cast<int64_t>(row.so_pin.iterations));
  P11_TRY(stmt.Run());
  return txn.LastInsertRowid();
}

Result<bool> SlotIdTaken(Transaction& txn, CK_SLOT_ID slot_id) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("SELECT 1 FROM tokens WHERE slot_id = ?"));
  stmt.Bind(1, static_cast<int64_t>(slot_id));
  return stmt.Step();
}

Result<CK_SLOT_ID> NextFreeSlotId(Transaction& txn, CK_SLOT_ID at_least) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("SELECT max(slot_id) FROM tokens"));
  P11_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.IsNull(0)) return at_least;
  CK_SLOT_ID next = static_cast<CK_SLOT_ID>(stmt.Int(0)) + 1;
  return next > at_least ? next : at_least;
}

Result<void> SetPinFailures(Transaction& txn, int64_t id, PinRole role, uint32_t failures) {
  P11_ASSIGN_OR_RETURN(
      Statement stmt,
      txn.Prepare(role == PinRole::kSo ? "UPDATE tokens SET so_failures = ? WHERE id = ?"
                                       : "UPDATE tokens SET user_failures = ? WHERE id = ?"));
  return stmt.Bind(1, int64_t{failures}).Bind(2, id).Run();
}

Result<void> SetPinRecord(Transaction& txn, int64_t id, PinRole role,
                          const std::optional<PinRecord>& record) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare(WrappedColumns(role)));
  if (record) {
    stmt.Bind(1, ByteView(record->wrapped_key))
        .Bind(2, ByteView(record->salt))
        .Bind(3, static_cast<int64_t>(record->iterations));
  } else {
    stmt.BindNull(1).BindNull(2).BindNull(3);
  }
  return stmt.Bind(4, id).Run();
}

Result<void> SetTokenLabel(Transaction& txn, int64_t id, const std::string& label) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("UPDATE tokens SET label = ? WHERE id = ?"));
  return stmt.BindText(1, label).Bind(2, id).Run();
}

Result<std::optional<int64_t>> BumpGeneration(Transaction& txn, int64_t id) {
  // An UPDATE, then a read in the same write transaction: SQLite runs RETURNING through a
  // temporary table, which cost more than the separate read.
  {
    P11_ASSIGN_OR_RETURN(Statement stmt,
                         txn.Prepare("UPDATE tokens SET generation = generation + 1 WHERE id = ?"));
    P11_TRY(stmt.Bind(1, id).Run());
  }
  if (txn.Changes() == 0) return std::optional<int64_t>();
  return ReadGeneration(txn, id);
}

Result<std::optional<int64_t>> ReadGeneration(Transaction& txn, int64_t id) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("SELECT generation FROM tokens WHERE id = ?"));
  stmt.Bind(1, id);
  P11_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt.Int(0));
}

Result<bool> DeleteTokenRow(Transaction& txn, CK_SLOT_ID slot_id) {
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("DELETE FROM tokens WHERE slot_id = ?"));
  P11_TRY(stmt.Bind(1, static_cast<int64_t>(slot_id)).Run());
  return txn.Changes() > 0;
}

}  // namespace p11::soft
