package dev.earnings.jdbc.webhook;

import static dev.earnings.jdbc.webhook.TestEvents.PREVIOUS_SECRET;
import static dev.earnings.jdbc.webhook.TestEvents.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.MutableClock;
import dev.earnings.jdbc.webhook.WebhookSignatureException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The receiver's checks, one at a time, on requests signed by the test's own HMAC: what passes,
 * what is refused and with which reason, and that no message repeats what the request carried.
 */
class WebhookVerifierTest {
    static final Instant NOW = WebhookFormatTest.SENT;
    static final long T = NOW.getEpochSecond();
    static final byte[] BODY = WebhookFormatTest.BODY.getBytes(StandardCharsets.UTF_8);
    static final String EVT_1 = "{\"id\":\"evt_1\",";

    final MutableClock clock = new MutableClock(NOW);
    final WebhookVerifier verifier = WebhookVerifier.of(SECRET).clock(clock);

    static String signed(long timestamp) {
        return IndependentHmac.signature(SECRET, timestamp, BODY);
    }

    static WebhookSignatureException refused(Runnable verification) {
        WebhookSignatureException refused = catchThrowableOfType(WebhookSignatureException.class, verification::run);
        assertThat(refused).as("refused").isNotNull();
        return refused;
    }

    static Reason refusal(Runnable verification) {
        return refused(verification).reason();
    }

    @Test
    void theTimestampMayBeAsFarAsTheTolerance_eitherWay_andNoFurther() {
        long tolerance = WebhookVerifier.DEFAULT_TOLERANCE.toSeconds();
        for (long t : new long[] {T - tolerance, T, T + tolerance}) {
            assertThatCode(() -> verifier.verify(Long.toString(t), signed(t), BODY)).as("at %d s", t - T).doesNotThrowAnyException();
        }
        long old = T - tolerance - 1;
        long ahead = T + tolerance + 1;
        assertThat(refused(() -> verifier.verify(Long.toString(old), signed(old), BODY)))
                .returns(Reason.TIMESTAMP_TOO_OLD, WebhookSignatureException::reason)
                .hasMessage("Earnings-Timestamp is 301 s in the past; allowed: at most 300 s (a replayed request, or clocks apart)");
        assertThat(refusal(() -> verifier.verify(Long.toString(ahead), signed(ahead), BODY))).isEqualTo(Reason.TIMESTAMP_IN_FUTURE);
    }

    @Test
    void aNarrowerTolerance_isKept() {
        WebhookVerifier strict = verifier.tolerance(Duration.ofSeconds(30));
        assertThatCode(() -> strict.verify(Long.toString(T - 30), signed(T - 30), BODY)).doesNotThrowAnyException();
        assertThat(refusal(() -> strict.verify(Long.toString(T - 31), signed(T - 31), BODY))).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
        assertThat(strict).hasToString("WebhookVerifier[tolerance 30 s, 1 secret]");
    }

    @Test
    void aChangedBodyTimestampOrSignature_orAnotherSecret_doesNotMatch() {
        String signature = signed(T);
        byte[] changed = BODY.clone();
        changed[changed.length - 3] ^= 1;
        String flipped = signature.substring(0, signature.length() - 1) + (signature.endsWith("0") ? "1" : "0");

        assertThat(refusal(() -> verifier.verify(Long.toString(T), signature, changed))).isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(refusal(() -> verifier.verify(Long.toString(T + 1), signature, BODY))).isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(refusal(() -> verifier.verify(Long.toString(T), flipped, BODY))).isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(refusal(() -> WebhookVerifier.of(PREVIOUS_SECRET).clock(clock).verify(Long.toString(T), signature, BODY)))
                .isEqualTo(Reason.SIGNATURE_MISMATCH);
    }

    @Test
    void theSignatureIsCheckedBeforeTheTime_soAStaleForgeryIsAMismatch() {
        long old = T - 3600;
        assertThat(refusal(() -> verifier.verify(Long.toString(old), IndependentHmac.signature(PREVIOUS_SECRET, old, BODY), BODY)))
                .isEqualTo(Reason.SIGNATURE_MISMATCH);
    }

    @Test
    void oneMatchingValueAmongSeveral_isEnough_andOtherSchemesAreIgnored() {
        String wrong = IndependentHmac.signature(PREVIOUS_SECRET, T, BODY);
        String header = "v2=" + "f".repeat(64) + ", " + wrong + " ,v1=short, " + signed(T);

        assertThatCode(() -> verifier.verify(" " + T + " ", header, BODY)).doesNotThrowAnyException();
        assertThatCode(() -> verifier.verify(Long.toString(T), signed(T).toUpperCase(Locale.ROOT).replace("V1=", "v1="), BODY))
                .as("hex in upper case").doesNotThrowAnyException();
    }

    @Test
    void duringARotation_eitherSecretPasses() {
        WebhookVerifier rotating = verifier.previousSecret(PREVIOUS_SECRET);

        assertThatCode(() -> rotating.verify(Long.toString(T), signed(T), BODY)).doesNotThrowAnyException();
        assertThatCode(() -> rotating.verify(Long.toString(T), IndependentHmac.signature(PREVIOUS_SECRET, T, BODY), BODY))
                .doesNotThrowAnyException();
        assertThat(rotating).hasToString("WebhookVerifier[tolerance 300 s, 2 secrets]");
    }

    @Test
    void missingHeaders_areRefusedAsMissing() {
        for (String absent : new String[] {null, "", " \t"}) {
            assertThat(refusal(() -> verifier.verify(absent, signed(T), BODY))).isEqualTo(Reason.MISSING_HEADER);
            assertThat(refusal(() -> verifier.verify(Long.toString(T), absent, BODY))).isEqualTo(Reason.MISSING_HEADER);
        }
        WebhookSignatureException missing = refused(() -> verifier.verify(Long.toString(T), null, BODY));
        assertThat(missing).hasMessage("Earnings-Signature is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"12a", "-1", "+1775035805", "1775035805.0", "0x69cc", "1234567890123", "<script>1</script>", "\u0661\u0662"})
    void aTimestampThatIsNotUnixSeconds_isMalformed_andNotRepeated(String timestamp) {
        assertThat(refused(() -> verifier.verify(timestamp, signed(T), BODY)))
                .returns(Reason.MALFORMED_HEADER, WebhookSignatureException::reason)
                .hasMessage("Earnings-Timestamp is not Unix seconds; allowed: 1 to 12 decimal digits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1=abc", "e9194e2f475b5ce1068ce64cb7ca98fefc4dd4b4b6a43140057338a0b5bf7193",
            "sha256=e9194e2f475b5ce1068ce64cb7ca98fefc4dd4b4b6a43140057338a0b5bf7193",
            "v1=e9194e2f475b5ce1068ce64cb7ca98fefc4dd4b4b6a43140057338a0b5bf719g", "v1 = x, ,", "<script>"})
    void aSignatureHeaderWithoutAV1Value_isMalformed_andNotRepeated(String header) {
        assertThat(refused(() -> verifier.verify(Long.toString(T), header, BODY)))
                .returns(Reason.MALFORMED_HEADER, WebhookSignatureException::reason)
                .hasMessage("Earnings-Signature holds no v1= value of 64 hex digits");
    }

    @Test
    void anOverlongSignatureHeader_isRefusedBeforeItIsRead() {
        String header = (signed(T) + ",").repeat(100);

        assertThat(refused(() -> verifier.verify(Long.toString(T), header, BODY)))
                .returns(Reason.MALFORMED_HEADER, WebhookSignatureException::reason)
                .hasMessage("Earnings-Signature has 6800 characters; allowed: at most 4096");
    }

    @Test
    void verifyEvent_readsBackTheEventThatWasSent() {
        EarningsEvent event = verifier.verifyEvent(Long.toString(T), signed(T), BODY);

        assertThat(event).isEqualTo(TestEvents.payoutCompleted());
    }

    @Test
    void verifyEvent_checksTheSignatureBeforeReadingTheBody() {
        byte[] notJson = "not json".getBytes(StandardCharsets.UTF_8);
        assertThat(refusal(() -> verifier.verifyEvent(Long.toString(T), signed(T), notJson))).isEqualTo(Reason.SIGNATURE_MISMATCH);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json|the body is not well-formed JSON",
        "[]|the body is not a JSON object",
        EVT_1 + "\"type\":\"payout.reversed\",\"creatorId\":\"c\",\"occurredAt\":\"2026-04-01T00:00:00Z\",\"position\":1,\"data\":{}}"
            + "|type is not an event type this version knows",
        EVT_1 + "\"type\":\"payout.failed\",\"creatorId\":\"c\",\"occurredAt\":\"2026-04-01T00:00:00Z\",\"position\":1}"
            + "|data is missing",
        EVT_1 + "\"type\":\"payout.failed\",\"creatorId\":\"c\",\"occurredAt\":\"2026-04-01T00:00:00Z\",\"position\":1,\"data\":\"{}\"}"
            + "|data is not a JSON object",
        EVT_1 + "\"type\":\"payout.failed\",\"creatorId\":\"c\",\"occurredAt\":\"2026-04-01\",\"position\":1,\"data\":{}}"
            + "|occurredAt is not an ISO-8601 instant",
        EVT_1 + "\"type\":\"payout.failed\",\"creatorId\":\"c\",\"occurredAt\":\"2026-04-01T00:00:00Z\",\"position\":1.5,\"data\":{}}"
            + "|position is not a whole number of at most 64 bits",
        "{\"id\":\"evt_1\",\"id\":\"evt_2\"}|the body is not well-formed JSON",
        "{\"id\":7}|id is not a string",
        "{} {}|the body is not one JSON object"})
    void verifyEvent_refusesAGenuineBodyItCannotRead_sayingWhy(String bodyAndProblem) {
        String[] parts = bodyAndProblem.split("\\|");
        byte[] body = parts[0].getBytes(StandardCharsets.UTF_8);

        assertThat(refused(() -> verifier.verifyEvent(Long.toString(T), IndependentHmac.signature(SECRET, T, body), body)))
                .returns(Reason.UNREADABLE_BODY, WebhookSignatureException::reason)
                .hasMessage("the body is signed, but not an event this version reads: " + parts[1]);
    }

    @Test
    void verifyEvent_skipsEnvelopeFieldsItDoesNotKnow() {
        byte[] body = WebhookFormatTest.BODY.replace("\"position\":42,", "\"position\":42,\"attempt\":{\"n\":[1,2]},")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(verifier.verifyEvent(Long.toString(T), IndependentHmac.signature(SECRET, T, body), body))
                .isEqualTo(TestEvents.payoutCompleted());
    }

    @Test
    void aShortSecret_isRefused_sayingItsLengthOnly() {
        byte[] short31 = "0123456789abcdef0123456789abcde".getBytes(StandardCharsets.US_ASCII);

        InvalidConfigurationException refused = catchThrowableOfType(InvalidConfigurationException.class,
                () -> WebhookVerifier.of(short31));
        assertThat(refused.setting()).isEqualTo("secret");
        assertThat(refused).hasMessage("secret is 31 bytes; allowed: at least 32 bytes of secure random data, shared with the receiver");
        assertThat(catchThrowableOfType(InvalidConfigurationException.class, () -> verifier.previousSecret(short31)).setting())
                .isEqualTo("previousSecret");
        assertThat(catchThrowableOfType(InvalidConfigurationException.class, () -> WebhookVerifier.of(null)))
                .hasMessageStartingWith("secret is missing;");
    }

    @Test
    void aToleranceOutsideOneSecondToAnHour_isRefused() {
        for (Duration tolerance : new Duration[] {null, Duration.ZERO, Duration.ofMillis(999), Duration.ofSeconds(-5),
                Duration.ofHours(1).plusSeconds(1)}) {
            assertThat(catchThrowableOfType(InvalidConfigurationException.class, () -> verifier.tolerance(tolerance)).setting())
                    .as("%s", tolerance).isEqualTo("tolerance");
        }
        assertThatCode(() -> verifier.tolerance(Duration.ofHours(1))).doesNotThrowAnyException();
    }
}
