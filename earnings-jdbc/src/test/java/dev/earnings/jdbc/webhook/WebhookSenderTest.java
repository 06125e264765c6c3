package dev.earnings.jdbc.webhook;

import static dev.earnings.jdbc.webhook.TestEvents.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.MutableClock;
import dev.earnings.jdbc.webhook.WebhookSignatureException.Reason;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The sender against a real receiver on the loopback address that verifies every request with
 * {@link WebhookVerifier}. The consumer's retries are driven by calling {@code handle} again, as
 * the consumer does; the sender and the receiver share a clock the test moves, so no test waits
 * for time to pass except the timeout's.
 */
class WebhookSenderTest {
    static final Instant NOW = Instant.parse("2026-04-01T09:30:05Z");

    final MutableClock clock = new MutableClock(NOW);
    final List<WebhookAttempt> attempts = new CopyOnWriteArrayList<>();
    @AutoClose
    final WebhookReceiver receiver = WebhookReceiver.start(WebhookVerifier.of(SECRET).clock(clock));

    WebhookSender.Builder sender() {
        return WebhookSender.builder(receiver.endpoint(), SECRET).clock(clock).onAttempt(attempts::add);
    }

    @Test
    void failedAnswersThrow_andTheConsumersNextCallsDeliver_withOneEventIdAndFreshSignatures() throws Exception {
        receiver.answeringFirst(2, 500);
        WebhookSender sender = sender().build();
        EarningsEvent event = TestEvents.payoutCompleted();

        for (Duration backOff : List.of(Duration.ofSeconds(30), Duration.ofSeconds(60))) {
            WebhookDeliveryException failed = catchThrowableOfType(WebhookDeliveryException.class, () -> sender.handle(event));
            assertThat(failed).isNotNull();
            assertThat(failed.status()).hasValue(500);
            assertThat(failed.eventId()).isEqualTo(event.id());
            assertThat(failed.type()).isEqualTo(EventType.PAYOUT_COMPLETED);
            assertThat(failed.getCause()).isNull();
            assertThat(failed).hasMessage("webhook delivery of evt_0123456789abcdef0123456789abcdef (payout.completed) to http://127.0.0.1:"
                    + receiver.endpoint().getPort() + " failed: answered HTTP 500");
            clock.advance(backOff);
        }
        sender.handle(event);

        List<WebhookReceiver.Request> requests = receiver.requests();
        assertThat(requests).extracting(WebhookReceiver.Request::status).containsExactly(500, 500, 200);
        assertThat(requests).allSatisfy(r -> assertThat(r.refusal()).as("verified by the receiver").isEmpty());
        assertThat(requests).extracting(r -> r.header(WebhookHeaders.EVENT_ID)).containsOnly(event.id());
        assertThat(requests).extracting(WebhookReceiver.Request::bodyText).containsOnly(requests.get(0).bodyText());
        long t0 = NOW.getEpochSecond();
        assertThat(requests).extracting(r -> r.header(WebhookHeaders.TIMESTAMP))
                .containsExactly(Long.toString(t0), Long.toString(t0 + 30), Long.toString(t0 + 90));
        assertThat(requests).extracting(r -> r.header(WebhookHeaders.SIGNATURE)).doesNotHaveDuplicates()
                .containsExactly(requests.stream().map(r -> IndependentHmac.signature(SECRET,
                        Long.parseLong(r.header(WebhookHeaders.TIMESTAMP)), r.body())).toArray(String[]::new));

        assertThat(attempts).extracting(WebhookAttempt::status)
                .containsExactly(OptionalInt.of(500), OptionalInt.of(500), OptionalInt.of(200));
        assertThat(attempts).extracting(WebhookAttempt::failure)
                .containsExactly(Optional.of("answered HTTP 500"), Optional.of("answered HTTP 500"), Optional.empty());
        assertThat(attempts).extracting(WebhookAttempt::succeeded).containsExactly(false, false, true);
        assertThat(attempts).extracting(WebhookAttempt::attemptedAt)
                .containsExactly(NOW, NOW.plusSeconds(30), NOW.plusSeconds(90));
        assertThat(attempts).allSatisfy(a -> {
            assertThat(a.eventId()).isEqualTo(event.id());
            assertThat(a.type()).isEqualTo(EventType.PAYOUT_COMPLETED);
            assertThat(a.duration()).isPositive().isLessThan(WebhookSender.DEFAULT_REQUEST_TIMEOUT);
        });
    }

    @Test
    void theReceiverRefuses_aTamperedBody_aTamperedSignature_aTamperedTimestamp_andALateReplay() throws Exception {
        sender().build().handle(TestEvents.payoutCompleted());
        WebhookReceiver.Request genuine = receiver.requests().get(0);
        String timestamp = genuine.header(WebhookHeaders.TIMESTAMP);
        String signature = genuine.header(WebhookHeaders.SIGNATURE);
        byte[] tamperedBody = genuine.bodyText().replace("\"amount\":\"25.00\"", "\"amount\":\"2500.00\"").getBytes(StandardCharsets.UTF_8);
        assertThat(tamperedBody).isNotEqualTo(genuine.body());
        String tamperedSignature = signature.substring(0, 10) + (signature.charAt(10) == '0' ? '1' : '0') + signature.substring(11);

        assertThat(post(timestamp, signature, tamperedBody)).isEqualTo("401 SIGNATURE_MISMATCH");
        assertThat(post(timestamp, tamperedSignature, genuine.body())).isEqualTo("401 SIGNATURE_MISMATCH");
        assertThat(post(Long.toString(Long.parseLong(timestamp) + 1), signature, genuine.body())).isEqualTo("401 SIGNATURE_MISMATCH");
        assertThat(post(timestamp, null, genuine.body())).isEqualTo("401 MISSING_HEADER");
        // The same request again at once passes: within the tolerance only the event id tells a repeat.
        assertThat(post(timestamp, signature, genuine.body())).isEqualTo("200 answered 200");
        clock.advance(WebhookVerifier.DEFAULT_TOLERANCE.plusSeconds(1));
        assertThat(post(timestamp, signature, genuine.body())).isEqualTo("401 TIMESTAMP_TOO_OLD");
    }

    @Test
    void aSenderWithAnotherSecret_isRefusedWith401_andThrows() {
        WebhookSender sender = WebhookSender.builder(receiver.endpoint(), TestEvents.PREVIOUS_SECRET).clock(clock).build();

        WebhookDeliveryException failed = catchThrowableOfType(WebhookDeliveryException.class,
                () -> sender.handle(TestEvents.payoutCompleted()));

        assertThat(failed.status()).hasValue(401);
        assertThat(receiver.requests()).extracting(WebhookReceiver.Request::refusal)
                .containsExactly(Optional.of(Reason.SIGNATURE_MISMATCH));
    }

    @Test
    void aSenderClockOffByMoreThanTheTolerance_isRefused_eitherWay_andOneOffByExactlyIt_isNot() throws Exception {
        Duration tolerance = WebhookVerifier.DEFAULT_TOLERANCE;
        List<Instant> senderTimes = List.of(NOW.minus(tolerance).minusSeconds(1), NOW.plus(tolerance).plusSeconds(1),
                NOW.minus(tolerance), NOW.plus(tolerance));
        List<OptionalInt> statuses = new ArrayList<>();
        for (Instant senderTime : senderTimes) {
            WebhookSender sender = sender().clock(new MutableClock(senderTime)).build();
            try {
                sender.handle(TestEvents.payoutCompleted());
                statuses.add(OptionalInt.of(200));
            } catch (WebhookDeliveryException e) {
                statuses.add(e.status());
            }
        }

        assertThat(statuses).containsExactly(OptionalInt.of(401), OptionalInt.of(401), OptionalInt.of(200), OptionalInt.of(200));
        assertThat(receiver.requests()).extracting(WebhookReceiver.Request::refusal).containsExactly(
                Optional.of(Reason.TIMESTAMP_TOO_OLD), Optional.of(Reason.TIMESTAMP_IN_FUTURE), Optional.empty(), Optional.empty());
    }

    @Test
    void aReceiverThatDoesNotAnswer_failsTheAttemptWithinTheRequestTimeout() {
        receiver.hanging();
        Duration timeout = Duration.ofMillis(300);
        WebhookSender sender = sender().requestTimeout(timeout).build();

        long start = System.nanoTime();
        WebhookDeliveryException failed = catchThrowableOfType(WebhookDeliveryException.class,
                () -> sender.handle(TestEvents.payoutCompleted()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failed.status()).isEmpty();
        assertThat(failed.getMessage()).endsWith("failed: timed out after 300 ms");
        assertThat(failed.getCause()).isNotNull();
        assertThat(took).isGreaterThanOrEqualTo(timeout.minusMillis(50)).isLessThan(timeout.plusSeconds(3));
        assertThat(attempts).singleElement().satisfies(a -> {
            assertThat(a.status()).isEmpty();
            assertThat(a.failure()).hasValue("timed out after 300 ms");
        });
    }

    @Test
    void anUnreachableEndpoint_failsWithoutAStatus_andTheMessageNamesOnlyItsOrigin() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + closedPort + "/hooks/T0KEN-in-path?token=s3cret-query");
        WebhookSender sender = WebhookSender.builder(endpoint, SECRET).onAttempt(attempts::add).build();

        WebhookDeliveryException failed = catchThrowableOfType(WebhookDeliveryException.class,
                () -> sender.handle(TestEvents.payoutCompleted()));

        assertThat(failed.status()).isEmpty();
        assertThat(failed.getCause()).isInstanceOf(ConnectException.class);
        assertThat(failed).hasMessage("webhook delivery of evt_0123456789abcdef0123456789abcdef (payout.completed) to http://127.0.0.1:"
                + closedPort + " failed: could not connect (ConnectException)");
        assertThat(sender.toString()).isEqualTo("WebhookSender[http://127.0.0.1:" + closedPort
                + ", types: use.recorded, use.reversed, tier.reached, payout.created, payout.completed, payout.failed, payout.cancelled, alert.raised, goal.reached]");
        assertThat(attempts).singleElement().satisfies(a -> assertThat(a.failure()).hasValue("could not connect (ConnectException)"));
    }

    @Test
    void eventsOfOtherTypes_areHandledWithoutARequest() throws Exception {
        WebhookSender sender = sender().types(EventType.PAYOUT_COMPLETED, EventType.PAYOUT_FAILED).build();

        sender.handle(TestEvents.event(EventType.USE_RECORDED, "{\"eventId\":\"use-1\"}"));
        sender.handle(TestEvents.event(EventType.TIER_REACHED, "{\"modelId\":\"anime\",\"tierIndex\":1}"));
        assertThat(receiver.requests()).isEmpty();
        assertThat(attempts).isEmpty();

        sender.handle(TestEvents.event(EventType.PAYOUT_FAILED, TestEvents.PAYOUT_PAYLOAD));
        assertThat(receiver.requests()).extracting(r -> r.header(WebhookHeaders.EVENT_TYPE)).containsExactly("payout.failed");
        assertThat(Arrays.stream(EventType.values()).filter(sender::sends))
                .containsExactly(EventType.PAYOUT_COMPLETED, EventType.PAYOUT_FAILED);
    }

    @Test
    void theBodyIsTheEventAsJson_itsPayloadAnObject_andItsAmountsTheStringsTheyWere() throws Exception {
        String payload = "{\"correctionId\":\"refund-1\",\"eventId\":\"use-1\",\"modelId\":\"anime\",\"amount\":\"-0.015000000000\","
                + "\"remaining\":\"0.000000000000\",\"currency\":\"USD\","
                + "\"reason\":\"a \\\"late\\\" refund \u2013 \u00fcn\u00efcode \uD83D\uDE00\","
                + "\"actor\":\"ops-anna\"}";
        EarningsEvent event = new EarningsEvent("evt_fedcba9876543210fedcba9876543210", EventType.USE_REVERSED, "creator-\u00e5da",
                Instant.parse("2026-03-31T23:59:59.999999Z"), 9_007_199_254_740_993L, payload);

        sender().build().handle(event);

        WebhookReceiver.Request request = receiver.requests().get(0);
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header(WebhookHeaders.EVENT_TYPE)).isEqualTo("use.reversed");
        assertThat(request.header(WebhookHeaders.EVENT_ID)).isEqualTo("evt_fedcba9876543210fedcba9876543210");
        ObjectMapper mapper = new ObjectMapper();
        JsonNode body = mapper.readTree(request.body());
        assertThat(body.fieldNames()).toIterable().containsExactly("id", "type", "creatorId", "occurredAt", "position", "data");
        assertThat(body.get("id").textValue()).isEqualTo("evt_fedcba9876543210fedcba9876543210");
        assertThat(body.get("type").textValue()).isEqualTo("use.reversed");
        assertThat(body.get("creatorId").textValue()).isEqualTo("creator-\u00e5da");
        assertThat(body.get("occurredAt").textValue()).isEqualTo("2026-03-31T23:59:59.999999Z");
        assertThat(body.get("position").isIntegralNumber()).isTrue();
        assertThat(body.get("position").longValue()).isEqualTo(9_007_199_254_740_993L);
        assertThat(body.get("data").isObject()).isTrue();
        assertThat(body.get("data")).isEqualTo(mapper.readTree(payload));
        assertThat(body.get("data").get("amount").isTextual()).isTrue();
        assertThat(body.get("data").get("amount").textValue()).isEqualTo("-0.015000000000");
        assertThat(body.get("data").get("remaining").textValue()).isEqualTo("0.000000000000");
        assertThat(request.bodyText()).contains("\"data\":" + payload + "}");

        EarningsEvent received = WebhookVerifier.of(SECRET).clock(clock)
                .verifyEvent(request.header(WebhookHeaders.TIMESTAMP), request.header(WebhookHeaders.SIGNATURE), request.body());
        assertThat(received).isEqualTo(event);
    }

    @Test
    void anyTwoHundredAnswerDelivers_butARedirectFails_andIsNotFollowed() throws Exception {
        receiver.answeringFirst(1, 204);
        sender().build().handle(TestEvents.payoutCompleted());
        receiver.answeringFirst(1, 302);
        WebhookDeliveryException failed = catchThrowableOfType(WebhookDeliveryException.class,
                () -> sender().build().handle(TestEvents.payoutCompleted()));

        assertThat(failed.status()).hasValue(302);
        assertThat(receiver.requests()).extracting(r -> r.status()).containsExactly(204, 302);
        assertThat(attempts).extracting(WebhookAttempt::succeeded).containsExactly(true, false);
    }

    @Test
    void aListenerThatThrows_changesNoOutcome() throws Exception {
        WebhookSender sender = sender().onAttempt(a -> {
            throw new IllegalStateException("the host's dashboard is down");
        }).build();

        sender.handle(TestEvents.payoutCompleted());
        receiver.answeringFirst(1, 503);
        assertThatThrownBy(() -> sender.handle(TestEvents.payoutCompleted()))
                .isInstanceOf(WebhookDeliveryException.class).hasMessageEndingWith("answered HTTP 503");

        assertThat(receiver.requests()).extracting(r -> r.status()).containsExactly(200, 503);
    }

    @Test
    void anInterruptedSender_stopsWaiting_andSaysSo() throws Exception {
        receiver.hanging();
        WebhookSender sender = sender().requestTimeout(WebhookSender.MAX_TIMEOUT).build();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                sender.handle(TestEvents.payoutCompleted());
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        consumer.start();
        assertThat(receiver.awaitArrival()).as("the request reached the receiver").isTrue();

        consumer.interrupt();
        consumer.join(Duration.ofSeconds(10).toMillis());

        assertThat(consumer.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(attempts).singleElement().satisfies(a -> assertThat(a.failure()).hasValue("interrupted"));
    }

    @Test
    void theSecretIsCopied_soLaterChangesToTheCallersArrayChangeNothing() throws Exception {
        byte[] secret = SECRET.clone();
        WebhookSender sender = WebhookSender.builder(receiver.endpoint(), secret).clock(clock).build();
        Arrays.fill(secret, (byte) 0);

        sender.handle(TestEvents.payoutCompleted());

        assertThat(receiver.requests()).extracting(WebhookReceiver.Request::status).containsExactly(200);
    }

    /** Posts a request as given, not as the sender would make it; answers the status and the receiver's word. */
    String post(String timestamp, String signature, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(receiver.endpoint())
                .header("Content-Type", "application/json")
                .header(WebhookHeaders.TIMESTAMP, timestamp)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header(WebhookHeaders.SIGNATURE, signature);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }
}
