// Issue 3: the PKCS#11 3.0 message-based API (3.1 §5.9 / §5.11 message encryption and
// decryption, §5.14 / §5.16 message signing and verification): AES-GCM with CK_GCM_MESSAGE_PARAMS
// (caller IV and token-generated IV), AES-CCM, ChaCha20-Poly1305, multi-part with
// C_EncryptMessageBegin / Next and CKF_END_OF_MESSAGE; message sign / verify for ECDSA, EdDSA
// and HMAC. Ciphertexts are checked with OpenSSL.
#include "fixture3.h"

namespace conformance {
namespace {

const Bytes kKey = FromHex("feffe9928665731c6d6a8f9467308308");
const Bytes kAad = FromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");

class Mech3MessageTest : public Mech3Test {
 protected:
  void SetUp() override {
    Mech3Test::SetUp();
    if (HasFatalFailure()) return;
    aes_ = CreateSecret(s_, CKK_AES, kKey);
    ASSERT_NE(aes_, CK_INVALID_HANDLE);
    for (size_t i = 0; i < msg_.size(); ++i) msg_[i] = static_cast<uint8_t>(i * 3 + 1);
  }
  CK_RV EncryptMessage(CK_VOID_PTR params, CK_ULONG plen, const Bytes& aad, const Bytes& pt,
                       Bytes* ct) {
    Bytes a = aad, p = pt;
    ct->assign(pt.size() + 64, 0);
    CK_ULONG len = ct->size();
    CK_RV rv = f3_->C_EncryptMessage(s_, params, plen, a.empty() ? nullptr : a.data(), a.size(),
                                     p.data(), p.size(), ct->data(), &len);
    if (rv == CKR_OK) ct->resize(len);
    return rv;
  }
  CK_RV DecryptMessage(CK_VOID_PTR params, CK_ULONG plen, const Bytes& aad, const Bytes& ct,
                       Bytes* pt) {
    Bytes a = aad, c = ct;
    pt->assign(ct.size() + 64, 0);
    CK_ULONG len = pt->size();
    CK_RV rv = f3_->C_DecryptMessage(s_, params, plen, a.empty() ? nullptr : a.data(), a.size(),
                                     c.data(), c.size(), pt->data(), &len);
    if (rv == CKR_OK) pt->resize(len);
    return rv;
  }
  CK_OBJECT_HANDLE aes_ = CK_INVALID_HANDLE;
  Bytes msg_ = Bytes(60);
};

TEST_F(Mech3MessageTest, GcmCallerIvRoundTrip) {
  CK_MECHANISM m = {CKM_AES_GCM, nullptr, 0};
  ASSERT_CKR_OK(f3_->C_MessageEncryptInit(s_, &m, aes_));
  Bytes iv = FromHex("cafebabefacedbaddecaf888");
  Bytes tag(16, 0);
  CK_GCM_MESSAGE_PARAMS p = {iv.data(), 12, 0, CKG_NO_GENERATE, tag.data(), 128};
  Bytes ct;
  ASSERT_CKR_OK(EncryptMessage(&p, sizeof p, kAad, msg_, &ct));
  EXPECT_EQ(ct.size(), msg_.size()) << "the tag goes to pTag, not the ciphertext";
  EXPECT_EQ(ToHex(iv), "cafebabefacedbaddecaf888") << "CKG_NO_GENERATE keeps the caller IV";
  Bytes pt;
  ASSERT_TRUE(OsslAeadDecrypt("AES-128-GCM", kKey, iv, kAad, ct, tag, &pt))
      << "OpenSSL rejects ciphertext or tag";
  EXPECT_EQ(pt, msg_);
  // A second message under the same init.
  Bytes iv2 = FromHex("000102030405060708090a0b");
  CK_GCM_MESSAGE_PARAMS p2 = {iv2.data(), 12, 0, CKG_NO_GENERATE, tag.data(), 128};
  ASSERT_CKR_OK(EncryptMessage(&p2, sizeof p2, {}, Str("second"), &ct));
  ASSERT_TRUE(OsslAeadDecrypt("AES-128-GCM", kKey, iv2, {}, ct, tag, &pt));
  EXPECT_EQ(pt, Str("second"));
  EXPECT_CKR_OK(f3_->C_MessageEncryptFinal(s_));
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, EncryptMessage(&p2, sizeof p2, {}, Str("x"), &ct));
}

TEST_F(Mech3MessageTest, GcmTokenGeneratedRandomIv) {
  CK_MECHANISM m = {CKM_AES_GCM, nullptr, 0};
  ASSERT_CKR_OK(f3_->C_MessageEncryptInit(s_, &m, aes_));
  Bytes iv1(12, 0), iv2(12, 0), tag1(16, 0), tag2(16, 0);
  CK_GCM_MESSAGE_PARAMS p1 = {iv1.data(), 12, 0, CKG_GENERATE_RANDOM, tag1.data(), 128};
  CK_GCM_MESSAGE_PARAMS p2 = {iv2.data(), 12, 0, CKG_GENERATE_RANDOM, tag2.data(), 128};
  Bytes ct1, ct2;
  ASSERT_CKR_OK(EncryptMessage(&p1, sizeof p1, kAad, msg_, &ct1));
  ASSERT_CKR_OK(EncryptMessage(&p2, sizeof p2, kAad, msg_, &ct2));
  EXPECT_CKR_OK(f3_->C_MessageEncryptFinal(s_));
  EXPECT_NE(iv1, Bytes(12, 0)) << "the token writes the IV it generated";
  EXPECT_NE(iv1, iv2) << "two messages get different IVs";
  EXPECT_NE(ct1, ct2);
  Bytes pt;
  ASSERT_TRUE(OsslAeadDecrypt("AES-128-GCM", kKey, iv1, kAad, ct1, tag1, &pt));
  EXPECT_EQ(pt, msg_);
  ASSERT_TRUE(OsslAeadDecrypt("AES-128-GCM", kKey, iv2, kAad, ct2, tag2, &pt));
  EXPECT_EQ(pt, msg_);
}

TEST_F(Mech3MessageTest, GcmDecryptRoundTripAndTamperedTag) {
  CK_MECHANISM m = {CKM_AES_GCM, nullptr, 0};
  Bytes iv(12, 0), tag(16, 0);
  CK_GCM_MESSAGE_PARAMS p = {iv.data(), 12, 0, CKG_GENERATE_RANDOM, tag.data(), 128};
  ASSERT_CKR_OK(f3_->C_MessageEncryptInit(s_, &m, aes_));
  Bytes ct;
  ASSERT_CKR_OK(EncryptMessage(&p, sizeof p, kAad, msg_, &ct));
  ASSERT_CKR_OK(f3_->C_MessageEncryptFinal(s_));

  ASSERT_CKR_OK(f3_->C_MessageDecryptInit(s_, &m, aes_));
  CK_GCM_MESSAGE_PARAMS d = {iv.data(), 12, 0, CKG_NO_GENERATE, tag.data(), 128};
  Bytes pt;
  ASSERT_CKR_OK(DecryptMessage(&d, sizeof d, kAad, ct, &pt));
  EXPECT_EQ(pt, msg_);
  tag[0] ^= 0x01;
  CK_RV rv = DecryptMessage(&d, sizeof d, kAad, ct, &pt);
  EXPECT_TRUE(rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_AEAD_DECRYPT_FAILED)
      << "tampered tag gave " << RvName(rv);
  tag[0] ^= 0x01;
  // The message operation survives a failed message.
  ASSERT_CKR_OK(DecryptMessage(&d, sizeof d, kAad, ct, &pt));
  EXPECT_EQ(pt, msg_);
  EXPECT_CKR_OK(f3_->C_MessageDecryptFinal(s_));
}

TEST_F(Mech3MessageTest, GcmMultiPartBeginNext) {
  CK_MECHANISM m = {CKM_AES_GCM, nullptr, 0};
  Bytes iv = FromHex("cafebabefacedbaddecaf888");
  Bytes tag(16, 0);
  CK_GCM_MESSAGE_PARAMS p = {iv.data(), 12, 0, CKG_NO_GENERATE, tag.data(), 128};
  ASSERT_CKR_OK(f3_->C_MessageEncryptInit(s_, &m, aes_));
  Bytes aad = kAad;
  ASSERT_CKR_OK(f3_->C_EncryptMessageBegin(s_, &p, sizeof p, aad.data(), aad.size()));
  Bytes ct;
  size_t split[] = {0, 17, 40, msg_.size()};
  for (int i = 0; i < 3; ++i) {
    Bytes out(128, 0);
    CK_ULONG len = out.size();
    CK_FLAGS flags = i == 2 ? CKF_END_OF_MESSAGE : 0;
    ASSERT_CKR_OK(f3_->C_EncryptMessageNext(s_, &p, sizeof p, msg_.data() + split[i],
                                            split[i + 1] - split[i], out.data(), &len, flags))
        << "part " << i;
    ct.insert(ct.end(), out.begin(), out.begin() + len);
  }
  ASSERT_CKR_OK(f3_->C_MessageEncryptFinal(s_));
  ASSERT_EQ(ct.size(), msg_.size());
  Bytes pt;
  ASSERT_TRUE(OsslAeadDecrypt("AES-128-GCM", kKey, iv, kAad, ct, tag, &pt));
  EXPECT_EQ(pt, msg_);

  // Decrypt side in parts.
  ASSERT_CKR_OK(f3_->C_MessageDecryptInit(s_, &m, aes_));
  ASSERT_CKR_OK(f3_->C_DecryptMessageBegin(s_, &p, sizeof p, aad.data(), aad.size()));
  Bytes back;
  for (int i = 0; i < 3; ++i) {
    Bytes out(128, 0);
    CK_ULONG len = out.size();
    CK_FLAGS flags = i == 2 ? CKF_END_OF_MESSAGE : 0;
    ASSERT_CKR_OK(f3_->C_DecryptMessageNext(s_, &p, sizeof p, ct.data() + split[i],
                                            split[i + 1] - split[i], out.data(), &len, flags))
        << "part " << i;
    back.insert(back.end(), out.begin(), out.begin() + len);
  }
  EXPECT_CKR_OK(f3_->C_MessageDecryptFinal(s_));
  EXPECT_EQ(back, msg_);
}

TEST_F(Mech3MessageTest, CcmMessageRoundTrip) {
  CK_MECHANISM m = {CKM_AES_CCM, nullptr, 0};
  Bytes nonce = FromHex("101112131415161718191a1b");
  Bytes mac(16, 0);
  CK_CCM_MESSAGE_PARAMS p = {
      static_cast<CK_ULONG>(msg_.size()), nonce.data(), 12, 0, CKG_NO_GENERATE, mac.data(), 16};
  ASSERT_CKR_OK(f3_->C_MessageEncryptInit(s_, &m, aes_));
  Bytes ct;
  ASSERT_CKR_OK(EncryptMessage(&p, sizeof p, kAad, msg_, &ct));
  ASSERT_CKR_OK(f3_->C_MessageEncryptFinal(s_));
  EXPECT_EQ(ct.size(), msg_.size());
  EXPECT_NE(mac, Bytes(16, 0));
  // The single-part CKM_AES_CCM gives ciphertext || MAC for the same inputs.
  CK_CCM_PARAMS sp = {static_cast<CK_ULONG>(msg_.size()),
                      nonce.data(),
                      12,
                      const_cast<CK_BYTE_PTR>(kAad.data()),
                      static_cast<CK_ULONG>(kAad.size()),
                      16};
  CK_MECHANISM sm = {CKM_AES_CCM, &sp, sizeof sp};
  Bytes single;
  ASSERT_CKR_OK(Encrypt(s_, &sm, aes_, msg_, &single));
  Bytes joined = ct;
  joined.insert(joined.end(), mac.begin(), mac.end());
  EXPECT_EQ(ToHex(single), ToHex(joined));

  ASSERT_CKR_OK(f3_->C_MessageDecryptInit(s_, &m, aes_));
  Bytes pt;
  ASSERT_CKR_OK(DecryptMessage(&p, sizeof p, kAad, ct, &pt));
  EXPECT_EQ(pt, msg_);
  EXPECT_CKR_OK(f3_->C_MessageDecryptFinal(s_));
}

// RFC 8439 §2.8.2 through the message API.
TEST_F(Mech3MessageTest, ChaCha20Poly1305MessageKnownAnswer) {
  CK_OBJECT_HANDLE key =
      CreateSecret(s_, CKK_CHACHA20,
                   FromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
  Bytes nonce = FromHex("070000004041424344454647");
  Bytes aad = FromHex("50515253c0c1c2c3c4c5c6c7");
  Bytes plain =
      Str("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
          "future, sunscreen would be it.");
  Bytes tag(16, 0);
  CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS p = {nonce.data(), 12, tag.data()};
  CK_MECHANISM m = {CKM_CHACHA20_POLY1305, nullptr, 0};
  ASSERT_CKR_OK(f3_->C_MessageEncryptInit(s_, &m, key));
  Bytes ct;
  ASSERT_CKR_OK(EncryptMessage(&p, sizeof p, aad, plain, &ct));
  ASSERT_CKR_OK(f3_->C_MessageEncryptFinal(s_));
  EXPECT_EQ(ToHex(ct),
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282"
            "fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab3"
            "24e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116");
  EXPECT_EQ(ToHex(tag), "1ae10b594f09e26a7e902ecbd0600691");
  ASSERT_CKR_OK(f3_->C_MessageDecryptInit(s_, &m, key));
  Bytes pt;
  ASSERT_CKR_OK(DecryptMessage(&p, sizeof p, aad, ct, &pt));
  EXPECT_EQ(pt, plain);
  EXPECT_CKR_OK(f3_->C_MessageDecryptFinal(s_));
}

// ---- Message signing ------------------------------------------------------------------

class Mech3MessageSignTest : public Mech3Test {
 protected:
  CK_RV SignMessage(const Bytes& data, Bytes* sig) {
    Bytes d = data;
    CK_ULONG len = 0;
    CK_RV rv = f3_->C_SignMessage(s_, nullptr, 0, d.data(), d.size(), nullptr, &len);
    if (rv != CKR_OK) return rv;
    sig->assign(len, 0);
    rv = f3_->C_SignMessage(s_, nullptr, 0, d.data(), d.size(), sig->data(), &len);
    if (rv == CKR_OK) sig->resize(len);
    return rv;
  }
  // Begin, Next for each part (pulSignatureLen NULL), last Next returns the signature.
  CK_RV SignMessageParts(const Bytes& data, size_t cut, Bytes* sig) {
    Bytes d = data;
    CK_RV rv = f3_->C_SignMessageBegin(s_, nullptr, 0);
    if (rv != CKR_OK) return rv;
    rv = f3_->C_SignMessageNext(s_, nullptr, 0, d.data(), cut, nullptr, nullptr);
    if (rv != CKR_OK) return rv;
    sig->assign(512, 0);
    CK_ULONG len = sig->size();
    rv = f3_->C_SignMessageNext(s_, nullptr, 0, d.data() + cut, d.size() - cut, sig->data(), &len);
    if (rv == CKR_OK) sig->resize(len);
    return rv;
  }
  CK_RV VerifyMessage(const Bytes& data, const Bytes& sig) {
    Bytes d = data, sg = sig;
    return f3_->C_VerifyMessage(s_, nullptr, 0, d.data(), d.size(), sg.data(), sg.size());
  }
  CK_RV VerifyMessageParts(const Bytes& data, size_t cut, const Bytes& sig) {
    Bytes d = data, sg = sig;
    CK_RV rv = f3_->C_VerifyMessageBegin(s_, nullptr, 0);
    if (rv != CKR_OK) return rv;
    rv = f3_->C_VerifyMessageNext(s_, nullptr, 0, d.data(), cut, nullptr, 0);
    if (rv != CKR_OK) return rv;
    return f3_->C_VerifyMessageNext(s_, nullptr, 0, d.data() + cut, d.size() - cut, sg.data(),
                                    sg.size());
  }
  // Signs two messages (one-shot and in parts) and verifies them, checking each signature
  // with `check`.
  void RoundTrip(CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE sign_key, CK_OBJECT_HANDLE verify_key,
                 const std::function<bool(const Bytes&, const Bytes&)>& check) {
    CK_MECHANISM m = {mech, nullptr, 0};
    Bytes m1 = Str("first message"), m2 = Str("second message, signed in two parts");
    ASSERT_CKR_OK(f3_->C_MessageSignInit(s_, &m, sign_key));
    Bytes s1, s2;
    ASSERT_CKR_OK(SignMessage(m1, &s1));
    ASSERT_CKR_OK(SignMessageParts(m2, 7, &s2));
    EXPECT_CKR_OK(f3_->C_MessageSignFinal(s_));
    EXPECT_TRUE(check(m1, s1)) << "one-shot message signature";
    EXPECT_TRUE(check(m2, s2)) << "multi-part message signature";

    ASSERT_CKR_OK(f3_->C_MessageVerifyInit(s_, &m, verify_key));
    EXPECT_CKR_OK(VerifyMessage(m1, s1));
    EXPECT_CKR_OK(VerifyMessageParts(m2, 11, s2));
    EXPECT_RV(CKR_SIGNATURE_INVALID, VerifyMessage(m2, s1));
    EXPECT_CKR_OK(VerifyMessage(m1, s1)) << "verification continues after a bad signature";
    EXPECT_CKR_OK(f3_->C_MessageVerifyFinal(s_));
  }
};

TEST_F(Mech3MessageSignTest, EcdsaMessageSignVerify) {
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP256Params, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Pkey k = TokenPublic(pub);
  ASSERT_NE(k, nullptr);
  RoundTrip(CKM_ECDSA_SHA256, priv, pub, [&](const Bytes& d, const Bytes& sig) {
    return OsslVerifyAny(k.get(), "SHA256", d, sig);
  });
}

TEST_F(Mech3MessageSignTest, HmacMessageSignVerify) {
  Bytes key = Str("message hmac key 0123456789abcdef");
  CK_OBJECT_HANDLE h = CreateSecret(s_, CKK_GENERIC_SECRET, key);
  RoundTrip(CKM_SHA256_HMAC, h, h,
            [&](const Bytes& d, const Bytes& sig) { return sig == OsslHmac("SHA256", key, d); });
}

TEST_F(Mech3MessageSignTest, EddsaMessageSignVerify) {
  Template pt;
  pt.Data(CKA_EC_PARAMS, kEd25519Oid).Bool(CKA_VERIFY, true);
  Template kt;
  kt.Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, true).Bool(CKA_PRIVATE, true);
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_CKR_OK(GenerateKeyPair(CKM_EC_EDWARDS_KEY_PAIR_GEN, pt, kt, &pub, &priv));
  Pkey k = TokenPublic(pub);
  ASSERT_NE(k, nullptr);
  CK_MECHANISM m = {CKM_EDDSA, nullptr, 0};
  Bytes msg = Str("eddsa message");
  ASSERT_CKR_OK(f3_->C_MessageSignInit(s_, &m, priv));
  Bytes sig;
  ASSERT_CKR_OK(SignMessage(msg, &sig));
  EXPECT_CKR_OK(f3_->C_MessageSignFinal(s_));
  EXPECT_TRUE(OsslVerifyAny(k.get(), nullptr, msg, sig));
  ASSERT_CKR_OK(f3_->C_MessageVerifyInit(s_, &m, pub));
  EXPECT_CKR_OK(VerifyMessage(msg, sig));
  EXPECT_CKR_OK(f3_->C_MessageVerifyFinal(s_));
}

// The instance CK_EDDSA_PARAMS names at C_MessageSignInit holds for every message: Ed448ph
// with a context signs and verifies, and the signatures are not pure Ed448's.
TEST_F(Mech3MessageSignTest, EddsaInstanceHoldsForEveryMessage) {
  Template pt;
  pt.Data(CKA_EC_PARAMS, kEd448Oid).Bool(CKA_VERIFY, true);
  Template kt;
  kt.Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, true).Bool(CKA_PRIVATE, true);
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_CKR_OK(GenerateKeyPair(CKM_EC_EDWARDS_KEY_PAIR_GEN, pt, kt, &pub, &priv));
  Bytes context = Str("arca");
  CK_EDDSA_PARAMS params = {CK_TRUE, static_cast<CK_ULONG>(context.size()), context.data()};
  CK_MECHANISM m = {CKM_EDDSA, &params, sizeof params};
  Bytes m1 = Str("first prehashed message"), m2 = Str("second prehashed message");
  ASSERT_CKR_OK(f3_->C_MessageSignInit(s_, &m, priv));
  Bytes s1, s2;
  ASSERT_CKR_OK(SignMessage(m1, &s1));
  ASSERT_CKR_OK(SignMessage(m2, &s2));
  EXPECT_CKR_OK(f3_->C_MessageSignFinal(s_));
  EXPECT_EQ(s1.size(), 114u);
  ASSERT_CKR_OK(f3_->C_MessageVerifyInit(s_, &m, pub));
  EXPECT_CKR_OK(VerifyMessage(m1, s1));
  EXPECT_CKR_OK(VerifyMessage(m2, s2));
  EXPECT_RV(CKR_SIGNATURE_INVALID, VerifyMessage(m2, s1));
  EXPECT_CKR_OK(f3_->C_MessageVerifyFinal(s_));
  Pkey k = TokenPublic(pub);
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(OsslVerifyAny(k.get(), nullptr, m1, s1)) << "an Ed448ph signature passed as pure";
}

}  // namespace
}  // namespace conformance
