package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The webhooks' signature under one secret: HMAC-SHA256 of the timestamp's decimal digits, a dot
 * and the body's bytes, written as {@code v1=} and 64 lower-case hex digits. The sender and the
 * verifier share it, so the two cannot drift apart.
 *
 * <p>The secret stays inside the key spec; nothing here puts it, or any part of it, in a message.
 */
public final class WebhookSigning {
    /** The fewest bytes a secret may have: 256 bits, the strength of HMAC-SHA256 itself. */
    public static final int MIN_SECRET_BYTES = 32;

    /** The scheme of the signatures made here. */
    public static final String SCHEME = "v1";

    /** The bytes of one signature: SHA-256's output. */
    public static final int SIGNATURE_BYTES = 32;

    private static final HexFormat HEX = HexFormat.of();

    private final SecretKeySpec key;

    private WebhookSigning(byte[] secret) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /**
     * Signing under a secret, checked first.
     *
     * @param setting the setting that gave the secret, named in a refusal
     * @param secret the shared secret
     * @return the signing
     * @throws InvalidConfigurationException if the secret is missing or shorter than {@value #MIN_SECRET_BYTES} bytes;
     *     the message gives its length only
     */
    public static WebhookSigning of(String setting, byte @Nullable [] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new InvalidConfigurationException(setting, setting + " is "
                    + (secret == null ? "missing" : secret.length + " bytes") + "; allowed: at least "
                    + MIN_SECRET_BYTES + " bytes of secure random data, shared with the receiver");
        }
        return new WebhookSigning(secret);
    }

    /**
     * What is signed: the timestamp in decimal ASCII digits, a dot, then the body as sent.
     *
     * @param timestamp Unix seconds
     * @param body the request's body
     * @return the bytes the MAC is computed over
     */
    public static byte[] signedBytes(long timestamp, byte[] body) {
        byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return signed;
    }

    /**
     * The MAC of a timestamp and body.
     *
     * @param timestamp Unix seconds
     * @param body the request's body
     * @return the {@value #SIGNATURE_BYTES} bytes of the MAC
     */
    public byte[] mac(long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signedBytes(timestamp, body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
        }
    }

    /**
     * The signature as the header carries it.
     *
     * @param timestamp Unix seconds
     * @param body the request's body
     * @return {@code v1=} and 64 lower-case hex digits
     */
    public String signature(long timestamp, byte[] body) {
        return SCHEME + "=" + HEX.formatHex(mac(timestamp, body));
    }

    /**
     * Whether a signature given by a request is this secret's, compared in constant time.
     *
     * @param timestamp the request's timestamp
     * @param body the request's body
     * @param candidate the decoded signature the request carries
     * @return whether they are equal
     */
    public boolean matches(long timestamp, byte[] body, byte[] candidate) {
        return MessageDigest.isEqual(mac(timestamp, body), candidate);
    }
}
