// The C ABI of libarca-pkcs11.so: the only file with extern "C" symbols. Each C_* is a thin
// thunk that forwards to a core function (src/slot/api.h) through Guard; the function lists
// are generated from functions.def. PKCS#11 spellings appear only here.

// The entry points must be exported even though the rest of the library is built with hidden
// visibility: their declarations get default visibility from this first inclusion.
#pragma GCC visibility push(default)
#include "pkcs11/pkcs11.h"
#pragma GCC visibility pop

#include "module/library.h"
#include "slot/api.h"

extern "C" {

CK_RV C_Initialize(CK_VOID_PTR pInitArgs) { return p11::InitializeLibrary(pInitArgs); }

CK_RV C_Finalize(CK_VOID_PTR pReserved) { return p11::FinalizeLibrary(pReserved); }

CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  return p11::Guard("C_GetInfo", [&](p11::Module& m) { return p11::GetInfo(m, pInfo); });
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  return p11::Guard("C_GetSlotList", [&](p11::Module& m) {
    return p11::GetSlotList(m, tokenPresent, pSlotList, pulCount);
  });
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  return p11::Guard("C_GetSlotInfo",
                    [&](p11::Module& m) { return p11::GetSlotInfo(m, slotID, pInfo); });
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  return p11::Guard("C_GetTokenInfo",
                    [&](p11::Module& m) { return p11::GetTokenInfo(m, slotID, pInfo); });
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                         CK_ULONG_PTR pulCount) {
  return p11::Guard("C_GetMechanismList", [&](p11::Module& m) {
    return p11::GetMechanismList(m, slotID, pMechanismList, pulCount);
  });
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  return p11::Guard("C_GetMechanismInfo",
                    [&](p11::Module& m) { return p11::GetMechanismInfo(m, slotID, type, pInfo); });
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                  CK_UTF8CHAR_PTR pLabel) {
  return p11::Guard("C_InitToken", [&](p11::Module& m) {
    return p11::InitToken(m, slotID, pPin, ulPinLen, pLabel);
  });
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return p11::Guard("C_InitPIN",
                    [&](p11::Module& m) { return p11::InitPin(m, hSession, pPin, ulPinLen); });
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
               CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen) {
  return p11::Guard("C_SetPIN", [&](p11::Module& m) {
    return p11::SetPin(m, hSession, pOldPin, ulOldLen, pNewPin, ulNewLen);
  });
}

// Arca never calls back: pApplication and Notify are accepted and unused.
CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR /*pApplication*/,
                    CK_NOTIFY /*Notify*/, CK_SESSION_HANDLE_PTR phSession) {
  return p11::Guard("C_OpenSession",
                    [&](p11::Module& m) { return p11::OpenSession(m, slotID, flags, phSession); });
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_CloseSession",
                    [&](p11::Module& m) { return p11::CloseSession(m, hSession); });
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  return p11::Guard("C_CloseAllSessions",
                    [&](p11::Module& m) { return p11::CloseAllSessions(m, slotID); });
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  return p11::Guard("C_GetSessionInfo",
                    [&](p11::Module& m) { return p11::GetSessionInfo(m, hSession, pInfo); });
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                          CK_ULONG_PTR pulOperationStateLen) {
  return p11::Guard("C_GetOperationState", [&](p11::Module& m) {
    return p11::GetOperationState(m, hSession, pOperationState, pulOperationStateLen);
  });
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                          CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
                          CK_OBJECT_HANDLE hAuthenticationKey) {
  return p11::Guard("C_SetOperationState", [&](p11::Module& m) {
    return p11::SetOperationState(m, hSession, pOperationState, ulOperationStateLen, hEncryptionKey,
                                  hAuthenticationKey);
  });
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
              CK_ULONG ulPinLen) {
  return p11::Guard(
      "C_Login", [&](p11::Module& m) { return p11::Login(m, hSession, userType, pPin, ulPinLen); });
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_Logout", [&](p11::Module& m) { return p11::Logout(m, hSession); });
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject) {
  return p11::Guard("C_CreateObject", [&](p11::Module& m) {
    return p11::CreateObject(m, hSession, pTemplate, ulCount, phObject);
  });
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                   CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject) {
  return p11::Guard("C_CopyObject", [&](p11::Module& m) {
    return p11::CopyObject(m, hSession, hObject, pTemplate, ulCount, phNewObject);
  });
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  return p11::Guard("C_DestroyObject",
                    [&](p11::Module& m) { return p11::DestroyObject(m, hSession, hObject); });
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) {
  return p11::Guard("C_GetObjectSize", [&](p11::Module& m) {
    return p11::GetObjectSize(m, hSession, hObject, pulSize);
  });
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return p11::Guard("C_GetAttributeValue", [&](p11::Module& m) {
    return p11::GetAttributeValue(m, hSession, hObject, pTemplate, ulCount);
  });
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return p11::Guard("C_SetAttributeValue", [&](p11::Module& m) {
    return p11::SetAttributeValue(m, hSession, hObject, pTemplate, ulCount);
  });
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  return p11::Guard("C_FindObjectsInit", [&](p11::Module& m) {
    return p11::FindObjectsInit(m, hSession, pTemplate, ulCount);
  });
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount) {
  return p11::Guard("C_FindObjects", [&](p11::Module& m) {
    return p11::FindObjects(m, hSession, phObject, ulMaxObjectCount, pulObjectCount);
  });
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_FindObjectsFinal",
                    [&](p11::Module& m) { return p11::FindObjectsFinal(m, hSession); });
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                    CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_EncryptInit", [&](p11::Module& m) {
    return p11::EncryptInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen) {
  return p11::Guard("C_Encrypt", [&](p11::Module& m) {
    return p11::Encrypt(m, hSession, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen);
  });
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                      CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) {
  return p11::Guard("C_EncryptUpdate", [&](p11::Module& m) {
    return p11::EncryptUpdate(m, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);
  });
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
                     CK_ULONG_PTR pulLastEncryptedPartLen) {
  return p11::Guard("C_EncryptFinal", [&](p11::Module& m) {
    return p11::EncryptFinal(m, hSession, pLastEncryptedPart, pulLastEncryptedPartLen);
  });
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                    CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_DecryptInit", [&](p11::Module& m) {
    return p11::DecryptInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen,
                CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) {
  return p11::Guard("C_Decrypt", [&](p11::Module& m) {
    return p11::Decrypt(m, hSession, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen);
  });
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                      CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) {
  return p11::Guard("C_DecryptUpdate", [&](p11::Module& m) {
    return p11::DecryptUpdate(m, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);
  });
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart,
                     CK_ULONG_PTR pulLastPartLen) {
  return p11::Guard("C_DecryptFinal", [&](p11::Module& m) {
    return p11::DecryptFinal(m, hSession, pLastPart, pulLastPartLen);
  });
}

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism) {
  return p11::Guard("C_DigestInit",
                    [&](p11::Module& m) { return p11::DigestInit(m, hSession, pMechanism); });
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
               CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
  return p11::Guard("C_Digest", [&](p11::Module& m) {
    return p11::Digest(m, hSession, pData, ulDataLen, pDigest, pulDigestLen);
  });
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return p11::Guard("C_DigestUpdate", [&](p11::Module& m) {
    return p11::DigestUpdate(m, hSession, pPart, ulPartLen);
  });
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_DigestKey",
                    [&](p11::Module& m) { return p11::DigestKey(m, hSession, hKey); });
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
  return p11::Guard("C_DigestFinal", [&](p11::Module& m) {
    return p11::DigestFinal(m, hSession, pDigest, pulDigestLen);
  });
}

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_SignInit",
                    [&](p11::Module& m) { return p11::SignInit(m, hSession, pMechanism, hKey); });
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
             CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return p11::Guard("C_Sign", [&](p11::Module& m) {
    return p11::Sign(m, hSession, pData, ulDataLen, pSignature, pulSignatureLen);
  });
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return p11::Guard("C_SignUpdate",
                    [&](p11::Module& m) { return p11::SignUpdate(m, hSession, pPart, ulPartLen); });
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                  CK_ULONG_PTR pulSignatureLen) {
  return p11::Guard("C_SignFinal", [&](p11::Module& m) {
    return p11::SignFinal(m, hSession, pSignature, pulSignatureLen);
  });
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_SignRecoverInit", [&](p11::Module& m) {
    return p11::SignRecoverInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                    CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return p11::Guard("C_SignRecover", [&](p11::Module& m) {
    return p11::SignRecover(m, hSession, pData, ulDataLen, pSignature, pulSignatureLen);
  });
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_VerifyInit",
                    [&](p11::Module& m) { return p11::VerifyInit(m, hSession, pMechanism, hKey); });
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
               CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return p11::Guard("C_Verify", [&](p11::Module& m) {
    return p11::Verify(m, hSession, pData, ulDataLen, pSignature, ulSignatureLen);
  });
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return p11::Guard("C_VerifyUpdate", [&](p11::Module& m) {
    return p11::VerifyUpdate(m, hSession, pPart, ulPartLen);
  });
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return p11::Guard("C_VerifyFinal", [&](p11::Module& m) {
    return p11::VerifyFinal(m, hSession, pSignature, ulSignatureLen);
  });
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                          CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_VerifyRecoverInit", [&](p11::Module& m) {
    return p11::VerifyRecoverInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen,
                      CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) {
  return p11::Guard("C_VerifyRecover", [&](p11::Module& m) {
    return p11::VerifyRecover(m, hSession, pSignature, ulSignatureLen, pData, pulDataLen);
  });
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                            CK_BYTE_PTR pOutPart, CK_ULONG_PTR pulOutPartLen) {
  return p11::Guard("C_DigestEncryptUpdate", [&](p11::Module& m) {
    return p11::DigestEncryptUpdate(m, hSession, pPart, ulPartLen, pOutPart, pulOutPartLen);
  });
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                            CK_BYTE_PTR pOutPart, CK_ULONG_PTR pulOutPartLen) {
  return p11::Guard("C_DecryptDigestUpdate", [&](p11::Module& m) {
    return p11::DecryptDigestUpdate(m, hSession, pPart, ulPartLen, pOutPart, pulOutPartLen);
  });
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                          CK_BYTE_PTR pOutPart, CK_ULONG_PTR pulOutPartLen) {
  return p11::Guard("C_SignEncryptUpdate", [&](p11::Module& m) {
    return p11::SignEncryptUpdate(m, hSession, pPart, ulPartLen, pOutPart, pulOutPartLen);
  });
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                            CK_BYTE_PTR pOutPart, CK_ULONG_PTR pulOutPartLen) {
  return p11::Guard("C_DecryptVerifyUpdate", [&](p11::Module& m) {
    return p11::DecryptVerifyUpdate(m, hSession, pPart, ulPartLen, pOutPart, pulOutPartLen);
  });
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey) {
  return p11::Guard("C_GenerateKey", [&](p11::Module& m) {
    return p11::GenerateKey(m, hSession, pMechanism, pTemplate, ulCount, phKey);
  });
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                        CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                        CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey) {
  return p11::Guard("C_GenerateKeyPair", [&](p11::Module& m) {
    return p11::GenerateKeyPair(m, hSession, pMechanism, pPublicKeyTemplate,
                                ulPublicKeyAttributeCount, pPrivateKeyTemplate,
                                ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
  });
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey,
                CK_ULONG_PTR pulWrappedKeyLen) {
  return p11::Guard("C_WrapKey", [&](p11::Module& m) {
    return p11::WrapKey(m, hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen);
  });
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                  CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
                  CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
                  CK_OBJECT_HANDLE_PTR phKey) {
  return p11::Guard("C_UnwrapKey", [&](p11::Module& m) {
    return p11::UnwrapKey(m, hSession, pMechanism, hUnwrappingKey, pWrappedKey, ulWrappedKeyLen,
                          pTemplate, ulAttributeCount, phKey);
  });
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                  CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
                  CK_OBJECT_HANDLE_PTR phKey) {
  return p11::Guard("C_DeriveKey", [&](p11::Module& m) {
    return p11::DeriveKey(m, hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey);
  });
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) {
  return p11::Guard("C_SeedRandom",
                    [&](p11::Module& m) { return p11::SeedRandom(m, hSession, pSeed, ulSeedLen); });
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen) {
  return p11::Guard("C_GenerateRandom", [&](p11::Module& m) {
    return p11::GenerateRandom(m, hSession, pRandomData, ulRandomLen);
  });
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_GetFunctionStatus",
                    [&](p11::Module& m) { return p11::GetFunctionStatus(m, hSession); });
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_CancelFunction",
                    [&](p11::Module& m) { return p11::CancelFunction(m, hSession); });
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  return p11::Guard("C_WaitForSlotEvent", [&](p11::Module& m) {
    return pReserved ? CKR_ARGUMENTS_BAD : p11::WaitForSlotEvent(m, flags, pSlot);
  });
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen) {
  return p11::Guard("C_LoginUser", [&](p11::Module& m) {
    return p11::LoginUser(m, hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
  });
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
  return p11::Guard("C_SessionCancel",
                    [&](p11::Module& m) { return p11::SessionCancel(m, hSession, flags); });
}

CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                           CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_MessageEncryptInit", [&](p11::Module& m) {
    return p11::MessageEncryptInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                       CK_BYTE_PTR pPlaintext, CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                       CK_ULONG_PTR pulCiphertextLen) {
  return p11::Guard("C_EncryptMessage", [&](p11::Module& m) {
    return p11::EncryptMessage(m, hSession, pParameter, ulParameterLen, pAssociatedData,
                               ulAssociatedDataLen, pPlaintext, ulPlaintextLen, pCiphertext,
                               pulCiphertextLen);
  });
}

CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                            CK_ULONG ulAssociatedDataLen) {
  return p11::Guard("C_EncryptMessageBegin", [&](p11::Module& m) {
    return p11::EncryptMessageBegin(m, hSession, pParameter, ulParameterLen, pAssociatedData,
                                    ulAssociatedDataLen);
  });
}

CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                           CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
                           CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
                           CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags) {
  return p11::Guard("C_EncryptMessageNext", [&](p11::Module& m) {
    return p11::EncryptMessageNext(m, hSession, pParameter, ulParameterLen, pPlaintextPart,
                                   ulPlaintextPartLen, pCiphertextPart, pulCiphertextPartLen,
                                   flags);
  });
}

CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_MessageEncryptFinal",
                    [&](p11::Module& m) { return p11::MessageEncryptFinal(m, hSession); });
}

CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                           CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_MessageDecryptInit", [&](p11::Module& m) {
    return p11::MessageDecryptInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                       CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                       CK_ULONG_PTR pulPlaintextLen) {
  return p11::Guard("C_DecryptMessage", [&](p11::Module& m) {
    return p11::DecryptMessage(m, hSession, pParameter, ulParameterLen, pAssociatedData,
                               ulAssociatedDataLen, pCiphertext, ulCiphertextLen, pPlaintext,
                               pulPlaintextLen);
  });
}

CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                            CK_ULONG ulAssociatedDataLen) {
  return p11::Guard("C_DecryptMessageBegin", [&](p11::Module& m) {
    return p11::DecryptMessageBegin(m, hSession, pParameter, ulParameterLen, pAssociatedData,
                                    ulAssociatedDataLen);
  });
}

CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                           CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
                           CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
                           CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags) {
  return p11::Guard("C_DecryptMessageNext", [&](p11::Module& m) {
    return p11::DecryptMessageNext(m, hSession, pParameter, ulParameterLen, pCiphertextPart,
                                   ulCiphertextPartLen, pPlaintextPart, pulPlaintextPartLen, flags);
  });
}

CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_MessageDecryptFinal",
                    [&](p11::Module& m) { return p11::MessageDecryptFinal(m, hSession); });
}

CK_RV C_MessageSignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_MessageSignInit", [&](p11::Module& m) {
    return p11::MessageSignInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                    CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                    CK_ULONG_PTR pulSignatureLen) {
  return p11::Guard("C_SignMessage", [&](p11::Module& m) {
    return p11::SignMessage(m, hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
                            pulSignatureLen);
  });
}

CK_RV C_SignMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                         CK_ULONG ulParameterLen) {
  return p11::Guard("C_SignMessageBegin", [&](p11::Module& m) {
    return p11::SignMessageBegin(m, hSession, pParameter, ulParameterLen);
  });
}

CK_RV C_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                        CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                        CK_ULONG_PTR pulSignatureLen) {
  return p11::Guard("C_SignMessageNext", [&](p11::Module& m) {
    return p11::SignMessageNext(m, hSession, pParameter, ulParameterLen, pData, ulDataLen,
                                pSignature, pulSignatureLen);
  });
}

CK_RV C_MessageSignFinal(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_MessageSignFinal",
                    [&](p11::Module& m) { return p11::MessageSignFinal(m, hSession); });
}

CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                          CK_OBJECT_HANDLE hKey) {
  return p11::Guard("C_MessageVerifyInit", [&](p11::Module& m) {
    return p11::MessageVerifyInit(m, hSession, pMechanism, hKey);
  });
}

CK_RV C_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                      CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                      CK_ULONG ulSignatureLen) {
  return p11::Guard("C_VerifyMessage", [&](p11::Module& m) {
    return p11::VerifyMessage(m, hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
                              ulSignatureLen);
  });
}

CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                           CK_ULONG ulParameterLen) {
  return p11::Guard("C_VerifyMessageBegin", [&](p11::Module& m) {
    return p11::VerifyMessageBegin(m, hSession, pParameter, ulParameterLen);
  });
}

CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                          CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                          CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return p11::Guard("C_VerifyMessageNext", [&](p11::Module& m) {
    return p11::VerifyMessageNext(m, hSession, pParameter, ulParameterLen, pData, ulDataLen,
                                  pSignature, ulSignatureLen);
  });
}

CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE hSession) {
  return p11::Guard("C_MessageVerifyFinal",
                    [&](p11::Module& m) { return p11::MessageVerifyFinal(m, hSession); });
}

}  // extern "C"

namespace {

#define ARCA_FN_240(name, params, args) name,
#define ARCA_FN_30(name, params, args)
CK_FUNCTION_LIST kFunctionList240 = {
    {2, 40},
#include "module/functions.def"
};
#undef ARCA_FN_30
#define ARCA_FN_30(name, params, args) name,
CK_FUNCTION_LIST_3_0 kFunctionList30 = {
    {3, 0},
#include "module/functions.def"
};
#undef ARCA_FN_240
#undef ARCA_FN_30

CK_CHAR kInterfaceName[] = "PKCS 11";
CK_INTERFACE kInterfaces[] = {
    {kInterfaceName, &kFunctionList30, 0},
    {kInterfaceName, &kFunctionList240, 0},
};
const p11::InterfaceTable kInterfaceTable{kInterfaces, 2};

}  // namespace

extern "C" {

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (ppFunctionList == nullptr) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &kFunctionList240;
  return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  return p11::ListInterfaces(kInterfaceTable, pInterfacesList, pulCount);
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
  return p11::SelectInterface(kInterfaceTable, pInterfaceName, pVersion, ppInterface, flags);
}

}  // extern "C"
