package dev.earnings.jdbc.webhook;

import static dev.earnings.jdbc.webhook.TestEvents.PREVIOUS_SECRET;
import static dev.earnings.jdbc.webhook.TestEvents.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The request's format, pinned: a known event sent at a known second gives a known body and a
 * known signature, computed outside the library (with OpenSSL and with Python's {@code hmac},
 * which agree), so that receivers in other languages can rely on it and a change to it cannot pass
 * unnoticed. The signatures of random requests are checked against an HMAC written out in the
 * test from RFC 2104.
 */
class WebhookFormatTest {
    static final Instant SENT = Instant.ofEpochSecond(1_775_035_805L);   // 2026-04-01T09:30:05Z

    /** The body of {@link TestEvents#payoutCompleted()}. */
    static final String BODY = "{\"id\":\"evt_0123456789abcdef0123456789abcdef\",\"type\":\"payout.completed\","
            + "\"creatorId\":\"creator-ada\",\"occurredAt\":\"2026-04-01T09:30:00.123456Z\",\"position\":42,"
            + "\"data\":{\"payoutId\":\"pay_7\",\"amount\":\"25.00\",\"currency\":\"USD\",\"status\":\"COMPLETED\","
            + "\"reference\":\"2026-03-ada\",\"actor\":\"ops-anna\",\"reason\":\"wire 7731\"}}";

    /**
     * {@code printf '%s' "1775035805.$BODY" | openssl dgst -sha256 -hmac 'webhook-test-secret-of-32-bytes!'}
     */
    static final String SIGNATURE = "v1=e9194e2f475b5ce1068ce64cb7ca98fefc4dd4b4b6a43140057338a0b5bf7193";

    /**
     * {@code printf '%s' "1775035805.$BODY" | openssl dgst -sha256 -hmac 'previous-webhook-secret-32-bytes'}
     */
    static final String PREVIOUS_SIGNATURE = "v1=bc2cadced12204c931178bf56da95bfe5ee181bcf14971bb2dd3f1edf0ceb454";

    final MutableClock clock = new MutableClock(SENT);
    @AutoClose
    final WebhookReceiver receiver = WebhookReceiver.start(WebhookVerifier.of(SECRET).clock(clock));

    @Test
    void aKnownEventAtAKnownSecond_givesTheKnownBodyHeadersAndSignature() throws Exception {
        WebhookSender.builder(receiver.endpoint(), SECRET).clock(clock).build().handle(TestEvents.payoutCompleted());

        WebhookReceiver.Request request = receiver.requests().get(0);
        assertThat(request.bodyText()).isEqualTo(BODY);
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("Earnings-Event-Id")).isEqualTo("evt_0123456789abcdef0123456789abcdef");
        assertThat(request.header("Earnings-Event-Type")).isEqualTo("payout.completed");
        assertThat(request.header("Earnings-Timestamp")).isEqualTo("1775035805");
        assertThat(request.header("Earnings-Signature")).isEqualTo(SIGNATURE);
        assertThat(IndependentHmac.signature(SECRET, SENT.getEpochSecond(), BODY.getBytes(StandardCharsets.UTF_8))).isEqualTo(SIGNATURE);
    }

    @Test
    void duringARotation_theHeaderCarriesTheNewSecretsSignatureThenThePrevious() throws Exception {
        WebhookSender.builder(receiver.endpoint(), SECRET).previousSecret(PREVIOUS_SECRET).clock(clock).build()
                .handle(TestEvents.payoutCompleted());

        WebhookReceiver.Request request = receiver.requests().get(0);
        assertThat(request.header(WebhookHeaders.SIGNATURE)).isEqualTo(SIGNATURE + "," + PREVIOUS_SIGNATURE);
        assertThat(request.status()).as("a receiver holding only the new secret").isEqualTo(200);
        WebhookVerifier.of(PREVIOUS_SECRET).clock(clock).verify("1775035805", request.header(WebhookHeaders.SIGNATURE), request.body());
    }

    /** RFC 4231, test cases 2 (a short key) and 6 (a key longer than a block, hashed first). */
    @Test
    void theIndependentHmac_givesRfc4231sResults() {
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(IndependentHmac.hmacSha256("Jefe".getBytes(StandardCharsets.US_ASCII),
                "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        byte[] longKey = new byte[131];
        Arrays.fill(longKey, (byte) 0xaa);
        assertThat(hex.formatHex(IndependentHmac.hmacSha256(longKey,
                "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    @Test
    void theSendersSignatures_agreeWithTheIndependentHmac_forRandomSecretsTimesAndPayloads() throws Exception {
        Random random = new Random(20260401L);
        for (int i = 0; i < 5; i++) {
            byte[] secret = new byte[32 + random.nextInt(100)];
            random.nextBytes(secret);
            Instant sent = Instant.ofEpochSecond(1_000_000_000L + random.nextInt(1_000_000_000));
            clock.set(sent);
            String reason = random.ints(1 + random.nextInt(40), 0x20, 0x3000).filter(Character::isLetterOrDigit)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
            EarningsEvent event = TestEvents.event(EventType.PAYOUT_FAILED,
                    "{\"payoutId\":\"pay_" + i + "\",\"amount\":\"" + random.nextInt(100_000) + ".00\",\"reason\":\"" + reason + "\"}");

            try (WebhookReceiver other = WebhookReceiver.start(WebhookVerifier.of(secret).clock(clock))) {
                WebhookSender.builder(other.endpoint(), secret).clock(clock).build().handle(event);
                WebhookReceiver.Request request = other.requests().get(0);
                assertThat(request.header(WebhookHeaders.TIMESTAMP)).isEqualTo(Long.toString(sent.getEpochSecond()));
                assertThat(request.header(WebhookHeaders.SIGNATURE))
                        .isEqualTo(IndependentHmac.signature(secret, sent.getEpochSecond(), request.body()));
                assertThat(request.bodyText()).contains("\"reason\":\"" + reason + "\"");
            }
        }
    }
}
