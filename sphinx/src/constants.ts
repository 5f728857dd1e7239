// Fixed sizes of Katzenpost's Sphinx (core/sphinx/constants, core/sphinx/internal/crypto).

export const NODE_ID_LENGTH = 32;
export const RECIPIENT_ID_LENGTH = 32;
export const SURB_ID_LENGTH = 16;
export const MAC_LENGTH = 32; // HMAC-SHA256, untruncated
export const MAC_KEY_LENGTH = 32;
export const AD_LENGTH = 2; // header "additional data": version 0x0000
export const PAYLOAD_TAG_LENGTH = 32; // zero bytes authenticating the payload (wide-block SPRP)
export const SPHINX_PLAINTEXT_HEADER_LENGTH = 2; // client-level payload header (flags + reserved)
export const X25519_KEY_LENGTH = 32;
export const X25519_KEM_CIPHERTEXT_LENGTH = 32;
export const STREAM_KEY_LENGTH = 32; // AES-256-CTR
export const STREAM_IV_LENGTH = 16; // full 128-bit big-endian counter block
export const SPRP_KEY_LENGTH = 48; // AEZ v5 extracted key
export const SPRP_IV_LENGTH = 16; // AEZ nonce (= header IV)
export const SPRP_KEY_MATERIAL_LENGTH = SPRP_KEY_LENGTH + SPRP_IV_LENGTH;
export const BLINDING_SEED_LENGTH = 32;
export const KDF_OUTPUT_LENGTH = MAC_KEY_LENGTH + STREAM_KEY_LENGTH + STREAM_IV_LENGTH + SPRP_KEY_LENGTH + BLINDING_SEED_LENGTH; // 160
export const REPLAY_TAG_LENGTH = 32; // SHA-512/256

/** HKDF-Expand info string; lowercase as in Katzenpost's code (its prose spec differs). */
export const KDF_INFO = new TextEncoder().encode('katzenpost-kdf-v0-hkdf-sha256');
/** Domain label of the X25519 NIKE-to-KEM adapter (hpqc adapter, SHA256 PRF, v1). */
export const KEM_ADAPTER_LABEL = new TextEncoder().encode('kemadapter-sha256-v1');

export const COMMAND_NULL = 0x00;
export const COMMAND_NEXT_NODE_HOP = 0x01;
export const COMMAND_RECIPIENT = 0x02;
export const COMMAND_SURB_REPLY = 0x03;
export const COMMAND_NODE_DELAY = 0x80;

export const NEXT_NODE_HOP_LENGTH = 1 + NODE_ID_LENGTH + MAC_LENGTH; // 65
export const RECIPIENT_COMMAND_LENGTH = 1 + RECIPIENT_ID_LENGTH; // 33
export const SURB_REPLY_COMMAND_LENGTH = 1 + SURB_ID_LENGTH; // 17
export const NODE_DELAY_COMMAND_LENGTH = 1 + 4; // 5
export const MAX_NODE_DELAY_MS = 0xffffffff;
