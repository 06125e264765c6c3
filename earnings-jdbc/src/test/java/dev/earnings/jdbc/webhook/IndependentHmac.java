package dev.earnings.jdbc.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * HMAC-SHA256 written out from RFC 2104 over the JDK's SHA-256, and the webhook signature built on
 * it from the format's description, so that the tests check the library's signatures against a
 * second implementation rather than against themselves.
 */
final class IndependentHmac {
    private static final int BLOCK = 64;

    private IndependentHmac() {
    }

    static byte[] hmacSha256(byte[] key, byte[] message) {
        MessageDigest sha256 = sha256();
        byte[] block = Arrays.copyOf(key.length > BLOCK ? sha256.digest(key) : key, BLOCK);
        byte[] inner = new byte[BLOCK];
        byte[] outer = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            inner[i] = (byte) (block[i] ^ 0x36);
            outer[i] = (byte) (block[i] ^ 0x5c);
        }
        sha256.update(inner);
        byte[] innerHash = sha256.digest(message);
        sha256.update(outer);
        return sha256.digest(innerHash);
    }

    /** {@code v1=} and the hex of the MAC of the timestamp's digits, a dot and the body. */
    static String signature(byte[] secret, long timestamp, byte[] body) {
        byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return "v1=" + HexFormat.of().formatHex(hmacSha256(secret, signed));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every Java runtime", e);
        }
    }
}
