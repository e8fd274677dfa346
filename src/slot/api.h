// The core of every PKCS#11 function, one per C_* entry point, called by the thin thunks of
// src/module/entry.cpp with the library lock held. Each returns a Result whose CK_RV is what
// the caller gets; none throws on purpose (the thunk catches what escapes anyway).
// Section numbers refer to the PKCS#11 3.1 base specification.
#pragma once

#include "common/result.h"
#include "slot/module.h"

namespace p11 {

// §5.4 general purpose (C_Initialize/C_Finalize live with the library state in src/module).
Result<void> GetInfo(Module& m, CK_INFO* info);

// §5.5 slot and token management (slot_api.cpp, token_api.cpp).
Result<void> GetSlotList(Module& m, CK_BBOOL token_present, CK_SLOT_ID* list, CK_ULONG* count);
Result<void> GetSlotInfo(Module& m, CK_SLOT_ID slot, CK_SLOT_INFO* info);
Result<void> GetTokenInfo(Module& m, CK_SLOT_ID slot, CK_TOKEN_INFO* info);
Result<void> GetMechanismList(Module& m, CK_SLOT_ID slot, CK_MECHANISM_TYPE* list, CK_ULONG* count);
Result<void> GetMechanismInfo(Module& m, CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                              CK_MECHANISM_INFO* info);
Result<void> WaitForSlotEvent(Module& m, CK_FLAGS flags, CK_SLOT_ID* slot);
Result<void> InitToken(Module& m, CK_SLOT_ID slot, const CK_UTF8CHAR* pin, CK_ULONG pin_len,
                       const CK_UTF8CHAR* label);
Result<void> InitPin(Module& m, CK_SESSION_HANDLE h, const CK_UTF8CHAR* pin, CK_ULONG pin_len);
Result<void> SetPin(Module& m, CK_SESSION_HANDLE h, const CK_UTF8CHAR* old_pin, CK_ULONG old_len,
                    const CK_UTF8CHAR* new_pin, CK_ULONG new_len);

// §5.6 session management (session_api.cpp).
Result<void> OpenSession(Module& m, CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE* h);
Result<void> CloseSession(Module& m, CK_SESSION_HANDLE h);
Result<void> CloseAllSessions(Module& m, CK_SLOT_ID slot);
Result<void> GetSessionInfo(Module& m, CK_SESSION_HANDLE h, CK_SESSION_INFO* info);
Result<void> Login(Module& m, CK_SESSION_HANDLE h, CK_USER_TYPE who, const CK_UTF8CHAR* pin,
                   CK_ULONG pin_len);
Result<void> LoginUser(Module& m, CK_SESSION_HANDLE h, CK_USER_TYPE who, const CK_UTF8CHAR* pin,
                       CK_ULONG pin_len, const CK_UTF8CHAR* username, CK_ULONG username_len);
Result<void> Logout(Module& m, CK_SESSION_HANDLE h);
Result<void> SessionCancel(Module& m, CK_SESSION_HANDLE h, CK_FLAGS flags);
Result<void> GetOperationState(Module& m, CK_SESSION_HANDLE h, CK_BYTE* state, CK_ULONG* state_len);
Result<void> SetOperationState(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* state,
                               CK_ULONG state_len, CK_OBJECT_HANDLE enc_key,
                               CK_OBJECT_HANDLE auth_key);

// §5.7 object management (object_api.cpp, find_api.cpp).
Result<void> CreateObject(Module& m, CK_SESSION_HANDLE h, const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                          CK_OBJECT_HANDLE* object);
Result<void> CopyObject(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE source,
                        const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* object);
Result<void> DestroyObject(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object);
Result<void> GetObjectSize(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object, CK_ULONG* size);
Result<void> GetAttributeValue(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object,
                               CK_ATTRIBUTE* tmpl, CK_ULONG count);
Result<void> SetAttributeValue(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object,
                               const CK_ATTRIBUTE* tmpl, CK_ULONG count);
Result<void> FindObjectsInit(Module& m, CK_SESSION_HANDLE h, const CK_ATTRIBUTE* tmpl,
                             CK_ULONG count);
Result<void> FindObjects(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE* objects,
                         CK_ULONG max_count, CK_ULONG* count);
Result<void> FindObjectsFinal(Module& m, CK_SESSION_HANDLE h);

// §5.8–5.13 encryption, decryption, digests, signatures (cipher_api.cpp, digest_api.cpp,
// sign_api.cpp).
Result<void> EncryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         CK_OBJECT_HANDLE key);
Result<void> Encrypt(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                     CK_BYTE* out, CK_ULONG* out_len);
Result<void> EncryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                           CK_BYTE* out, CK_ULONG* out_len);
Result<void> EncryptFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len);
Result<void> DecryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         CK_OBJECT_HANDLE key);
Result<void> Decrypt(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                     CK_BYTE* out, CK_ULONG* out_len);
Result<void> DecryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                           CK_BYTE* out, CK_ULONG* out_len);
Result<void> DecryptFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len);
Result<void> DigestInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech);
Result<void> Digest(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                    CK_BYTE* out, CK_ULONG* out_len);
Result<void> DigestUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len);
Result<void> DigestKey(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
Result<void> DigestFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len);
Result<void> SignInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                      CK_OBJECT_HANDLE key);
Result<void> Sign(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len, CK_BYTE* sig,
                  CK_ULONG* sig_len);
Result<void> SignUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len);
Result<void> SignFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* sig, CK_ULONG* sig_len);
Result<void> VerifyInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                        CK_OBJECT_HANDLE key);
Result<void> Verify(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                    const CK_BYTE* sig, CK_ULONG sig_len);
Result<void> VerifyUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len);
Result<void> VerifyFinal(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* sig, CK_ULONG sig_len);

// §5.12–5.13 signatures with data recovery (recover_api.cpp).
Result<void> SignRecoverInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                             CK_OBJECT_HANDLE key);
Result<void> SignRecover(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                         CK_BYTE* sig, CK_ULONG* sig_len);
Result<void> VerifyRecoverInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                               CK_OBJECT_HANDLE key);
Result<void> VerifyRecover(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* sig, CK_ULONG sig_len,
                           CK_BYTE* out, CK_ULONG* out_len);

// §5.11 message-based encryption and decryption (message_cipher_api.cpp).
Result<void> MessageEncryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                                CK_OBJECT_HANDLE key);
Result<void> EncryptMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                            const CK_BYTE* aad, CK_ULONG aad_len, const CK_BYTE* in,
                            CK_ULONG in_len, CK_BYTE* out, CK_ULONG* out_len);
Result<void> EncryptMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                 CK_ULONG param_len, const CK_BYTE* aad, CK_ULONG aad_len);
Result<void> EncryptMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                CK_ULONG param_len, const CK_BYTE* in, CK_ULONG in_len,
                                CK_BYTE* out, CK_ULONG* out_len, CK_FLAGS flags);
Result<void> MessageEncryptFinal(Module& m, CK_SESSION_HANDLE h);
Result<void> MessageDecryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                                CK_OBJECT_HANDLE key);
Result<void> DecryptMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                            const CK_BYTE* aad, CK_ULONG aad_len, const CK_BYTE* in,
                            CK_ULONG in_len, CK_BYTE* out, CK_ULONG* out_len);
Result<void> DecryptMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                 CK_ULONG param_len, const CK_BYTE* aad, CK_ULONG aad_len);
Result<void> DecryptMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                CK_ULONG param_len, const CK_BYTE* in, CK_ULONG in_len,
                                CK_BYTE* out, CK_ULONG* out_len, CK_FLAGS flags);
Result<void> MessageDecryptFinal(Module& m, CK_SESSION_HANDLE h);

// §5.13 message-based signing and verification (message_sign_api.cpp).
Result<void> MessageSignInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                             CK_OBJECT_HANDLE key);
Result<void> SignMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                         const CK_BYTE* data, CK_ULONG data_len, CK_BYTE* sig, CK_ULONG* sig_len);
Result<void> SignMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                              CK_ULONG param_len);
Result<void> SignMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                             const CK_BYTE* data, CK_ULONG data_len, CK_BYTE* sig,
                             CK_ULONG* sig_len);
Result<void> MessageSignFinal(Module& m, CK_SESSION_HANDLE h);
Result<void> MessageVerifyInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                               CK_OBJECT_HANDLE key);
Result<void> VerifyMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                           const CK_BYTE* data, CK_ULONG data_len, const CK_BYTE* sig,
                           CK_ULONG sig_len);
Result<void> VerifyMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                CK_ULONG param_len);
Result<void> VerifyMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                               CK_ULONG param_len, const CK_BYTE* data, CK_ULONG data_len,
                               const CK_BYTE* sig, CK_ULONG sig_len);
Result<void> MessageVerifyFinal(Module& m, CK_SESSION_HANDLE h);

// §5.15 dual-function operations (dual_api.cpp).
Result<void> DigestEncryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                                 CK_BYTE* out, CK_ULONG* out_len);
Result<void> DecryptDigestUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                                 CK_BYTE* out, CK_ULONG* out_len);
Result<void> SignEncryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                               CK_BYTE* out, CK_ULONG* out_len);
Result<void> DecryptVerifyUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                                 CK_BYTE* out, CK_ULONG* out_len);

// §5.14 key management and §5.15 random numbers (key_api.cpp).
Result<void> GenerateKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* key);
Result<void> GenerateKeyPair(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                             const CK_ATTRIBUTE* pub_tmpl, CK_ULONG pub_count,
                             const CK_ATTRIBUTE* priv_tmpl, CK_ULONG priv_count,
                             CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv);
Result<void> WrapKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                     CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key, CK_BYTE* out,
                     CK_ULONG* out_len);
Result<void> UnwrapKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                       CK_OBJECT_HANDLE unwrapping, const CK_BYTE* wrapped, CK_ULONG wrapped_len,
                       const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* key);
Result<void> DeriveKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                       CK_OBJECT_HANDLE base, const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                       CK_OBJECT_HANDLE* key);
Result<void> SeedRandom(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* seed, CK_ULONG len);
Result<void> GenerateRandom(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG len);

// §5.16 parallel function management: legacy, always CKR_FUNCTION_NOT_PARALLEL.
Result<void> GetFunctionStatus(Module& m, CK_SESSION_HANDLE h);
Result<void> CancelFunction(Module& m, CK_SESSION_HANDLE h);

}  // namespace p11
