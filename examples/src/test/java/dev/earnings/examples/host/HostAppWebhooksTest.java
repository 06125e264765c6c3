package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.earnings.examples.host.HostAppHttpTest.Demo;
import dev.earnings.examples.host.HostClient.Answer;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.webhook.WebhookHeaders;
import dev.earnings.jdbc.webhook.WebhookSignatureException;
import dev.earnings.jdbc.webhook.WebhookVerifier;
import dev.earnings.testkit.TestClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's webhooks over HTTP: the library's events posted, signed, by the app's consumer and
 * taken by its own receiver (or one elsewhere), the receiver's checks, and the admin endpoints
 * that show deliveries, the consumer's status and dead letters, and replay them. The access
 * rules of those endpoints are in {@link HostAppHttpTest}'s access matrix.
 *
 * <p>Deliveries happen in the consumer's thread: each test waits for what it expects by asking
 * the admin endpoints again until it is there, for at most {@link #BOUND}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostAppWebhooksTest {
    static final Instant NOW = TestClock.DEFAULT_START;
    static final Duration BOUND = Duration.ofSeconds(20);
    /** The secret the shared app signs with, so that this test can sign requests of its own. */
    static final byte[] SECRET = HexFormat.of().parseHex("5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7");
    /**
     * The demo data's events: a tier reached by each of the four models, the payouts, the refund,
     * and the alerts of the week checked at load (sketch-xl's busy day, its uses and earnings;
     * voice-clone's days stay within one use's worth of earnings of its median, which the earnings
     * rule does not count as unusual).
     */
    static final Map<String, Long> DEMO_EVENTS = Map.of("tier.reached", 4L, "payout.created", 2L, "payout.completed", 1L,
            "use.reversed", 1L, "alert.raised", 2L);
    static final int DEMO_EVENT_COUNT = (int) DEMO_EVENTS.values().stream().mapToLong(Long::longValue).sum();

    HostApp app;
    HostClient client;

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        app = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0, line -> { },
                new WebhookSettings(null, SECRET, 5, Duration.ofSeconds(1), Duration.ofMinutes(1)));
        client = new HostClient(app);
    }

    @AfterAll
    void stop() {
        app.close();
    }

    // ------------------------------------------------------------------ delivered and verified

    @Test
    void demoData_eachEventIsDeliveredOnce_verifiedByTheBuiltInReceiver_inOrderPerCreator_withItsFigures(
            @TempDir Path directory) throws Exception {
        try (HostApp fresh = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0, line -> { })) {
            HostClient calls = new HostClient(fresh);
            JsonNode received = await("the demo data's events at the built-in receiver", () -> admin(calls,
                    "/api/admin/webhooks/received"), r -> r.get("items").size() >= DEMO_EVENT_COUNT).get("items");
            assertThat(received).hasSize(DEMO_EVENT_COUNT);
            assertThat(types(received)).isEqualTo(DEMO_EVENTS);
            // A tier was reached while the history was recorded, on the day of the use that reached it.
            assertThat(received).allSatisfy(e -> {
                assertThat(e.get("eventId").asText()).matches("evt_[0-9a-f]{32}");
                assertThat(Instant.parse(e.get("occurredAt").asText())).isBeforeOrEqualTo(NOW);
                if (!e.get("type").asText().equals("tier.reached")) {
                    assertThat(e.get("occurredAt").asText()).isEqualTo(NOW.toString());
                }
            });
            assertThat(ids(received)).doesNotHaveDuplicates();

            // Each model's 101st use, the first rated in tier 2, as the demo data records them.
            List<Demo.Use> uses = Demo.uses(NOW);
            Map<String, JsonNode> tiers = new HashMap<>();
            received.forEach(e -> {
                if (e.get("type").asText().equals("tier.reached")) {
                    tiers.put(e.get("data").get("modelId").asText(), e);
                }
            });
            assertThat(tiers).containsOnlyKeys(Demo.MODELS);
            for (String model : Demo.MODELS) {
                Demo.Use hundredAndFirst = uses.stream().filter(u -> u.modelId().equals(model) && u.ordinal() == 101)
                        .findFirst().orElseThrow();
                JsonNode tier = tiers.get(model);
                assertThat(tier.get("creatorId").asText()).isEqualTo(Demo.PRICING.get(model)[0]);
                JsonNode data = tier.get("data");
                assertThat(data.get("tierIndex").asInt()).as(model).isEqualTo(2);
                assertThat(data.get("fromPriorUses").asLong()).isEqualTo(100);
                assertThat(new BigDecimal(data.get("multiplier").asText())).isEqualByComparingTo("1.2");
                assertThat(data.get("ordinal").asLong()).isEqualTo(101);
                assertThat(data.get("eventId").asText()).isEqualTo(hundredAndFirst.eventId());
            }

            // The payouts: ada's $5.00 created and completed, lin's $1.00 created.
            JsonNode adaCreated = only(received, "payout.created", "ada");
            assertThat(adaCreated.get("data").get("amount").asText()).isEqualTo("5.000000000000");
            assertThat(adaCreated.get("data").get("reference").asText()).isEqualTo("demo-previous-month");
            assertThat(adaCreated.get("data").get("status").asText()).isEqualTo("PENDING");
            assertThat(adaCreated.get("data").get("actor").asText()).isEqualTo("admin-1");
            JsonNode completed = only(received, "payout.completed", "ada");
            assertThat(completed.get("data").get("payoutId")).isEqualTo(adaCreated.get("data").get("payoutId"));
            assertThat(completed.get("data").get("status").asText()).isEqualTo("COMPLETED");
            assertThat(completed.get("data").get("reason").asText()).isEqualTo("demo wire");
            JsonNode linCreated = only(received, "payout.created", "lin");
            assertThat(linCreated.get("data").get("amount").asText()).isEqualTo("1.000000000000");
            assertThat(linCreated.get("data").get("currency").asText()).isEqualTo("USD");

            // The refund: all of ada's latest use, taken back.
            JsonNode refund = only(received, "use.reversed", "ada").get("data");
            BigDecimal earned = Demo.use(uses, Demo.REFUNDED).earnings();
            assertThat(refund.get("eventId").asText()).isEqualTo(Demo.REFUNDED);
            assertThat(refund.get("correctionId").asText()).isEqualTo("demo-refund-1");
            assertThat(refund.get("modelId").asText()).isEqualTo("anime-diffusion");
            assertThat(refund.get("amount").isTextual()).isTrue();
            assertThat(new BigDecimal(refund.get("amount").asText())).isEqualByComparingTo(earned.negate());
            assertThat(new BigDecimal(refund.get("remaining").asText())).isZero();
            assertThat(refund.get("reason").asText()).isEqualTo("refunded: the generation failed");

            // A creator's events arrive in their order: positions rise in the order received.
            List<JsonNode> arrival = new ArrayList<>();
            received.forEach(arrival::add);
            Collections.reverse(arrival);
            for (String creator : List.of("ada", "lin")) {
                assertThat(arrival.stream().filter(e -> e.get("creatorId").asText().equals(creator))
                        .map(e -> e.get("position").asLong()).collect(Collectors.toList())).as(creator).isSorted();
            }

            // One attempt each, every one answered 200 by the receiver, which saw no repeat. (The
            // sender lists an attempt once the answer has come, a moment after the receiver took it.)
            JsonNode deliveries = await("an attempt per event listed", () -> admin(calls, "/api/admin/webhooks/deliveries"),
                    d -> d.get("items").size() >= DEMO_EVENT_COUNT);
            assertThat(deliveries.get("consumer").asText()).isEqualTo("webhooks");
            assertThat(deliveries.get("builtInReceiver").asBoolean()).isTrue();
            assertThat(deliveries.get("endpoint").asText()).isEqualTo("http://127.0.0.1:" + fresh.port());
            assertThat(deliveries.get("items")).hasSize(DEMO_EVENT_COUNT).allSatisfy(a -> {
                assertThat(a.get("succeeded").asBoolean()).isTrue();
                assertThat(a.get("status").asInt()).isEqualTo(200);
                assertThat(a.get("failure").isNull()).isTrue();
                assertThat(a.get("attemptedAt").asText()).isEqualTo(NOW.toString());
                assertThat(a.get("durationMicros").asLong()).isPositive();
            });
            assertThat(ids(deliveries.get("items"))).containsExactlyInAnyOrderElementsOf(ids(received));
            assertThat(admin(calls, "/api/admin/webhooks/received").get("repeats").asLong()).isZero();
            // The consumer's cursor moves when the handler has returned.
            JsonNode status = await("nothing pending", () -> admin(calls, "/api/admin/events/status"),
                    s -> s.get("pending").asLong() == 0);
            assertThat(status.get("running").asBoolean()).isTrue();
            assertThat(status.get("pending").asLong()).isZero();
            assertThat(status.get("retryingLanes").asInt()).isZero();
            assertThat(status.get("deadLetterCount").asInt()).isZero();
            assertThat(status.get("deadLetters")).isEmpty();
            assertThat(status.get("lastError").isNull()).isTrue();
        }
    }

    @Test
    void aReversalMadeThroughTheApi_isDeliveredAsAVerifiedUseReversed_withItsFigures() throws Exception {
        Answer reversed = client.call("POST", "/api/admin/reversals", "demo-admin", "{\"eventId\":\"demo-d5-2\","
                + "\"amount\":\"0.0025\",\"correctionId\":\"hook-refund-1\",\"reason\":\"half refunded\"}");
        assertThat(reversed.status()).isEqualTo(200);

        JsonNode event = awaitReceived("use.reversed", "correctionId", "hook-refund-1");
        assertThat(event.get("creatorId").asText()).isEqualTo(reversed.body().get("creatorId").asText());
        assertThat(event.get("occurredAt").asText()).isEqualTo(NOW.toString());
        JsonNode data = event.get("data");
        assertThat(data.get("eventId").asText()).isEqualTo("demo-d5-2");
        assertThat(data.get("modelId").asText()).isEqualTo(reversed.body().get("modelId").asText());
        assertThat(data.get("amount").asText()).isEqualTo("-0.002500000000");
        assertThat(new BigDecimal(data.get("remaining").asText()))
                .isEqualByComparingTo(reversed.body().get("remaining").asText())
                .isEqualByComparingTo(Demo.use(Demo.uses(NOW), "demo-d5-2").earnings().subtract(new BigDecimal("0.0025")));
        assertThat(data.get("currency").asText()).isEqualTo("USD");
        assertThat(data.get("reason").asText()).isEqualTo("half refunded");
        assertThat(data.get("actor").asText()).isEqualTo("admin-1");

        // The attempt that delivered it: this event, answered 200.
        JsonNode attempt = attempt(event.get("eventId").asText());
        assertThat(attempt.get("type").asText()).isEqualTo("use.reversed");
        assertThat(attempt.get("status").asInt()).isEqualTo(200);
        assertThat(attempt.get("succeeded").asBoolean()).isTrue();
    }

    @Test
    void aPayoutCreatedAndFailedThroughTheApi_isDeliveredAsTwoVerifiedEvents_inTheirOrder() throws Exception {
        Answer created = client.call("POST", "/api/admin/payouts", "demo-admin",
                "{\"creatorId\":\"lin\",\"amountMinor\":50,\"reference\":\"hook-payout-1\"}");
        assertThat(created.status()).isEqualTo(200);
        long id = created.body().get("id").asLong();
        assertThat(client.call("POST", "/api/admin/payouts/" + id + "/fail", "demo-admin", "{\"reason\":\"bank refused\"}")
                .status()).isEqualTo(200);

        JsonNode pending = awaitReceived("payout.created", "reference", "hook-payout-1");
        JsonNode failed = awaitReceived("payout.failed", "reference", "hook-payout-1");
        for (JsonNode event : List.of(pending, failed)) {
            assertThat(event.get("creatorId").asText()).isEqualTo("lin");
            assertThat(event.get("data").get("payoutId").asLong()).isEqualTo(id);
            assertThat(event.get("data").get("amount").asText()).isEqualTo("0.500000000000");
            assertThat(event.get("data").get("currency").asText()).isEqualTo("USD");
            assertThat(event.get("data").get("actor").asText()).isEqualTo("admin-1");
            assertThat(attempt(event.get("eventId").asText()).get("status").asInt()).isEqualTo(200);
        }
        assertThat(pending.get("data").get("status").asText()).isEqualTo("PENDING");
        assertThat(failed.get("data").get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("data").get("reason").asText()).isEqualTo("bank refused");
        assertThat(failed.get("position").asLong()).isGreaterThan(pending.get("position").asLong());
        assertThat(failed.get("eventId").asText()).isNotEqualTo(pending.get("eventId").asText());
    }

    // ------------------------------------------------------------------ the receiver's checks

    @Test
    void receiver_takesAGenuineRequestOnce_andRefusesTamperedForgedOrStaleOnes() throws Exception {
        String id = "evt_" + "ab".repeat(16);
        String body = "{\"id\":\"" + id + "\",\"type\":\"payout.completed\",\"creatorId\":\"ada\",\"occurredAt\":\""
                + NOW + "\",\"position\":900001,\"data\":{\"payoutId\":77,\"amount\":\"1.00\",\"currency\":\"USD\","
                + "\"status\":\"COMPLETED\",\"reference\":\"hand-signed\",\"actor\":\"admin-1\"}}";
        long now = NOW.getEpochSecond();
        long repeatsBefore = admin(client, "/api/admin/webhooks/received").get("repeats").asLong();

        // Signed with the secret, now: taken, once.
        Answer genuine = post(id, now, sign(SECRET, now, body), body);
        assertThat(genuine.status()).isEqualTo(200);
        assertThat(genuine.body().get("eventId").asText()).isEqualTo(id);
        assertThat(genuine.body().get("repeat").asBoolean()).isFalse();
        Answer again = post(id, now + 1, sign(SECRET, now + 1, body), body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("repeat").asBoolean()).isTrue();

        // Refused: the body changed on the way, signed with another secret, a broken or missing
        // header, a timestamp out of the five minutes' tolerance, or no signature at all but an
        // admin's sign-in.
        String tampered = body.replace("\"1.00\"", "\"9.00\"");
        String other = sign("another secret of thirty-two bytes".getBytes(StandardCharsets.UTF_8), now, body);
        Map<String, Answer> refused = new HashMap<>();
        refused.put("tampered body", post(id, now, sign(SECRET, now, body), tampered));
        refused.put("another secret", post(id, now, other, body));
        refused.put("signature of another timestamp", post(id, now + 1, sign(SECRET, now, body), body));
        refused.put("malformed signature", post(id, now, "v1=" + "zz".repeat(32), body));
        refused.put("no v1 signature", post(id, now, "v2=" + sign(SECRET, now, body).substring(3), body));
        refused.put("no signature", post(id, now, null, body));
        refused.put("no timestamp", send(request(id, null, sign(SECRET, now, body), body)));
        refused.put("301 s old", post(id, now - 301, sign(SECRET, now - 301, body), body));
        refused.put("301 s ahead", post(id, now + 301, sign(SECRET, now + 301, body), body));
        refused.put("an admin's sign-in instead", send(request(id, null, null, body)
                .header("Authorization", "Bearer demo-admin")));
        refused.forEach((name, answer) -> {
            assertThat(answer.status()).as(name).isEqualTo(401);
            assertThat(answer.body().get("error").asText()).as(name).isEqualTo("unauthorized");
        });
        assertThat(refused.get("tampered body").body().get("field").asText()).isEqualTo(WebhookHeaders.SIGNATURE);
        assertThat(refused.get("tampered body").body().get("message").asText()).contains("no signature of this timestamp and body");
        assertThat(refused.get("301 s old").body().get("field").asText()).isEqualTo(WebhookHeaders.TIMESTAMP);
        assertThat(refused.get("301 s old").body().get("message").asText()).contains("301 s in the past");
        assertThat(refused.get("301 s ahead").body().get("message").asText()).contains("301 s in the future");
        assertThat(refused.get("no timestamp").body().get("field").asText()).isEqualTo(WebhookHeaders.TIMESTAMP);
        // Exactly five minutes either way is within the tolerance.
        String edge = body.replace(id, "evt_" + "cd".repeat(16));
        assertThat(post("evt_" + "cd".repeat(16), now - 300, sign(SECRET, now - 300, edge), edge).status()).isEqualTo(200);

        // Genuine, but the id header names another event, or the body is no event this version reads.
        Answer wrongId = post("evt_" + "ef".repeat(16), now, sign(SECRET, now, body), body);
        assertThat(wrongId.status()).isEqualTo(400);
        assertThat(wrongId.body().get("field").asText()).isEqualTo(WebhookHeaders.EVENT_ID);
        String unknown = body.replace("payout.completed", "payout.teleported");
        Answer unreadable = post(id, now, sign(SECRET, now, unknown), unknown);
        assertThat(unreadable.status()).isEqualTo(400);
        assertThat(unreadable.body().get("field").asText()).isEqualTo("body");

        // POST of JSON only, at its path only.
        assertThat(client.call("GET", WebhookSettings.RECEIVER_PATH, null, null).status()).isEqualTo(405);
        assertThat(client.call("POST", WebhookSettings.RECEIVER_PATH + "/x", null, body).status()).isEqualTo(404);
        assertThat(send(request(id, now, sign(SECRET, now, body), body).setHeader("Content-Type", "text/plain")).status())
                .isEqualTo(415);

        // The receiver kept the genuine event once, as sent, and counted the repeat.
        JsonNode received = admin(client, "/api/admin/webhooks/received");
        List<JsonNode> mine = new ArrayList<>();
        received.get("items").forEach(e -> {
            if (e.get("eventId").asText().equals(id)) {
                mine.add(e);
            }
        });
        assertThat(mine).singleElement().satisfies(e -> {
            assertThat(e.get("type").asText()).isEqualTo("payout.completed");
            assertThat(e.get("position").asLong()).isEqualTo(900001);
            assertThat(e.get("data").get("amount").asText()).isEqualTo("1.00");
            assertThat(e.get("receivedAt").asText()).isEqualTo(NOW.toString());
        });
        assertThat(received.get("repeats").asLong()).isEqualTo(repeatsBefore + 1);
    }

    // ------------------------------------------------------------------ dead letters and replay

    @Test
    void aReceiverThatIsDown_leavesDeadLetters_whichTheReplayEndpointDeliversOnceItIsBack(@TempDir Path directory)
            throws Exception {
        TestClock clock = TestClock.at(NOW);
        try (ExternalReceiver elsewhere = new ExternalReceiver(SECRET, clock);
                HostApp fresh = HostApp.start(directory.resolve("db"), clock, 0, line -> { },
                        new WebhookSettings(elsewhere.uri(), SECRET, 1, Duration.ZERO, Duration.ZERO))) {
            HostClient calls = new HostClient(fresh);
            // One attempt each: while the receiver answers 503, every demo event is a dead letter.
            JsonNode status = await("the demo data's events as dead letters", () -> admin(calls, "/api/admin/events/status"),
                    s -> s.get("deadLetterCount").asInt() == DEMO_EVENT_COUNT && s.get("pending").asLong() == 0);
            assertThat(status.get("running").asBoolean()).isTrue();
            assertThat(status.get("retryingLanes").asInt()).isZero();
            JsonNode dead = status.get("deadLetters");
            assertThat(types(dead)).isEqualTo(DEMO_EVENTS);
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.get("attempts").asInt()).isEqualTo(1);
                assertThat(d.get("failedAt").asText()).isEqualTo(NOW.toString());
                // The endpoint by scheme, host and port: its path and query, which hold a token, are not shown.
                assertThat(d.get("error").asText()).contains("WebhookDeliveryException", d.get("eventId").asText(),
                        "to http://127.0.0.1:" + elsewhere.port() + " failed: answered HTTP 503").doesNotContain("token");
            });
            List<Long> positions = new ArrayList<>();
            dead.forEach(d -> positions.add(d.get("position").asLong()));
            assertThat(positions).isSorted();
            JsonNode deliveries = admin(calls, "/api/admin/webhooks/deliveries");
            assertThat(deliveries.get("builtInReceiver").asBoolean()).isFalse();
            assertThat(deliveries.get("endpoint").asText()).isEqualTo("http://127.0.0.1:" + elsewhere.port());
            assertThat(deliveries.get("items")).hasSize(DEMO_EVENT_COUNT).allSatisfy(a -> {
                assertThat(a.get("succeeded").asBoolean()).isFalse();
                assertThat(a.get("status").asInt()).isEqualTo(503);
                assertThat(a.get("failure").asText()).isEqualTo("answered HTTP 503");
            });
            assertThat(elsewhere.refused.get()).isEqualTo(DEMO_EVENT_COUNT);
            assertThat(elsewhere.taken).isEmpty();
            // The built-in receiver was not posted to.
            assertThat(admin(calls, "/api/admin/webhooks/received").get("items")).isEmpty();

            // Back up: the replay delivers each dead letter, verified, and leaves none.
            elsewhere.down = false;
            Answer replay = calls.call("POST", "/api/admin/events/replay", "demo-admin", null);
            assertThat(replay.status()).isEqualTo(200);
            assertThat(replay.body().get("replayed").asInt()).isEqualTo(DEMO_EVENT_COUNT);
            assertThat(replay.body().get("deadLetters").asInt()).isZero();
            assertThat(elsewhere.taken.stream().map(EarningsEvent::id).collect(Collectors.toList()))
                    .containsExactlyElementsOf(ids(dead));
            JsonNode after = admin(calls, "/api/admin/events/status");
            assertThat(after.get("deadLetterCount").asInt()).isZero();
            assertThat(after.get("deadLetters")).isEmpty();
            assertThat(after.get("pending").asLong()).isZero();
            JsonNode attempts = admin(calls, "/api/admin/webhooks/deliveries").get("items");
            assertThat(attempts).hasSize(2 * DEMO_EVENT_COUNT);
            List<JsonNode> newest = new ArrayList<>();
            attempts.forEach(a -> {
                if (newest.size() < DEMO_EVENT_COUNT) {
                    newest.add(a);
                }
            });
            assertThat(newest).allSatisfy(a -> {
                assertThat(a.get("succeeded").asBoolean()).isTrue();
                assertThat(a.get("status").asInt()).isEqualTo(204);
            });

            // Nothing left to replay.
            Answer none = calls.call("POST", "/api/admin/events/replay", "demo-admin", null);
            assertThat(none.body().get("replayed").asInt()).isZero();
            assertThat(elsewhere.taken).hasSize(DEMO_EVENT_COUNT);
        }
    }

    @Test
    void replay_byPostOnly_atItsPathOnly() throws Exception {
        Answer get = client.call("GET", "/api/admin/events/replay", "demo-admin", null);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.header("Allow")).isEqualTo("POST");
        assertThat(client.call("POST", "/api/admin/events/replay/1", "demo-admin", null).status()).isEqualTo(404);
        assertThat(client.call("POST", "/api/admin/webhooks/deliveries", "demo-admin", null).status()).isEqualTo(405);
    }

    // ------------------------------------------------------------------ settings

    @Test
    void settings_aReceiverElsewhere_needsASecretOfThirtyTwoBytesInTheEnvironment_neverQuotedInMessages() {
        String secret = "0123456789abcdef".repeat(4);
        Map<String, String> properties = Map.of(WebhookSettings.URL_PROPERTY, "https://hooks.example.com/earnings");
        WebhookSettings elsewhere = WebhookSettings.of(properties::get, Map.of(WebhookSettings.SECRET_VARIABLE, secret)::get);
        assertThat(elsewhere.endpoint()).contains(URI.create("https://hooks.example.com/earnings"));
        assertThat(HexFormat.of().formatHex(elsewhere.secret())).isEqualTo(secret);
        assertThat(elsewhere.maxAttempts()).isEqualTo(WebhookSettings.ATTEMPTS);
        assertThat(elsewhere.toString()).doesNotContain(secret, "hooks.example.com");

        // Without a URL: the app's own receiver, under a secret of 32 random bytes made at each start.
        WebhookSettings builtIn = WebhookSettings.of(name -> null, name -> null);
        assertThat(builtIn.endpoint()).isEmpty();
        assertThat(builtIn.secret()).hasSize(32).isNotEqualTo(WebhookSettings.builtIn().secret());

        assertThatThrownBy(() -> WebhookSettings.of(properties::get, name -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(WebhookSettings.SECRET_VARIABLE);
        String shortSecret = "0123456789abcdef".repeat(3);
        assertThatThrownBy(() -> WebhookSettings.of(properties::get, Map.of(WebhookSettings.SECRET_VARIABLE, shortSecret)::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds 24 bytes")
                .hasMessageNotContaining(shortSecret);
        String notHex = "not hex, but long enough to be a secret of thirty-two bytes or more";
        assertThatThrownBy(() -> WebhookSettings.of(properties::get, Map.of(WebhookSettings.SECRET_VARIABLE, notHex)::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not hex")
                .hasMessageNotContaining(notHex);
    }

    // ------------------------------------------------------------------ helpers

    /** A receiver elsewhere, as another service runs one: it verifies each request, and answers 503 while down. */
    static final class ExternalReceiver implements AutoCloseable {
        final HttpServer server;
        final WebhookVerifier verifier;
        final Queue<EarningsEvent> taken = new ConcurrentLinkedQueue<>();
        final AtomicInteger refused = new AtomicInteger();
        volatile boolean down = true;

        ExternalReceiver(byte[] secret, Clock clock) throws IOException {
            verifier = WebhookVerifier.of(secret).clock(clock);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hooks/earnings", exchange -> {
                try (exchange) {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    int status = 204;
                    if (down) {
                        refused.incrementAndGet();
                        status = 503;
                    } else {
                        try {
                            taken.add(verifier.verifyEvent(exchange.getRequestHeaders().getFirst(WebhookHeaders.TIMESTAMP),
                                    exchange.getRequestHeaders().getFirst(WebhookHeaders.SIGNATURE), body));
                        } catch (WebhookSignatureException e) {
                            status = 401;
                        }
                    }
                    exchange.sendResponseHeaders(status, -1);
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        /** Its URL, with a token in the query as webhook URLs often have. */
        URI uri() {
            return URI.create("http://127.0.0.1:" + port() + "/hooks/earnings?token=s3cr3t-token");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Asks until the answer is as wanted, for at most {@link #BOUND}; fails naming what did not come, and the last answer. */
    static JsonNode await(String what, Callable<JsonNode> ask, Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos();
        JsonNode last = ask.call();
        while (!wanted.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not come within " + BOUND.toSeconds() + " s; last answer: " + last);
            }
            Thread.sleep(50);
            last = ask.call();
        }
        return last;
    }

    /** The event of a type whose data has this field at this value, once the shared app's receiver took it. */
    JsonNode awaitReceived(String type, String field, String value) throws Exception {
        Predicate<JsonNode> match = e -> e.get("type").asText().equals(type) && e.get("data").path(field).asText().equals(value);
        JsonNode received = await("a " + type + " with " + field + " " + value + " at the receiver",
                () -> admin(client, "/api/admin/webhooks/received"), r -> find(r.get("items"), match).size() == 1);
        return find(received.get("items"), match).get(0);
    }

    /**
     * The shared app's attempt of one event, once it is listed: the sender lists an attempt when
     * the answer has come, a moment after the receiver took the event. One only.
     */
    JsonNode attempt(String eventId) throws Exception {
        Predicate<JsonNode> of = a -> a.get("eventId").asText().equals(eventId);
        JsonNode deliveries = await("the attempt of " + eventId, () -> admin(client, "/api/admin/webhooks/deliveries"),
                d -> !find(d.get("items"), of).isEmpty());
        List<JsonNode> attempts = find(deliveries.get("items"), of);
        assertThat(attempts).hasSize(1);
        return attempts.get(0);
    }

    static JsonNode admin(HostClient calls, String path) throws Exception {
        Answer answer = calls.call("GET", path, "demo-admin", null);
        assertThat(answer.status()).as(path).isEqualTo(200);
        return answer.body();
    }

    static List<JsonNode> find(JsonNode items, Predicate<JsonNode> match) {
        List<JsonNode> found = new ArrayList<>();
        items.forEach(e -> {
            if (match.test(e)) {
                found.add(e);
            }
        });
        return found;
    }

    static JsonNode only(JsonNode events, String type, String creatorId) {
        List<JsonNode> found = find(events, e -> e.get("type").asText().equals(type) && e.get("creatorId").asText().equals(creatorId));
        assertThat(found).as(type + " of " + creatorId).hasSize(1);
        return found.get(0);
    }

    static Map<String, Long> types(JsonNode events) {
        List<JsonNode> all = find(events, e -> true);
        return all.stream().collect(Collectors.groupingBy(e -> e.get("type").asText(), Collectors.counting()));
    }

    static List<String> ids(JsonNode events) {
        return find(events, e -> true).stream().map(e -> e.get("eventId").asText()).collect(Collectors.toList());
    }

    /** The signature header as the contract describes it, computed here rather than by the library. */
    static String sign(byte[] secret, long timestamp, String body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "v1=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    HttpRequest.Builder request(String eventId, Long timestamp, String signature, String body) {
        HttpRequest.Builder request = client.request("POST", WebhookSettings.RECEIVER_PATH, body)
                .header("Content-Type", "application/json").header(WebhookHeaders.EVENT_ID, eventId);
        if (timestamp != null) {
            request.header(WebhookHeaders.TIMESTAMP, Long.toString(timestamp));
        }
        if (signature != null) {
            request.header(WebhookHeaders.SIGNATURE, signature);
        }
        return request;
    }

    Answer post(String eventId, long timestamp, String signature, String body) throws Exception {
        return send(request(eventId, timestamp, signature, body));
    }

    Answer send(HttpRequest.Builder request) throws Exception {
        return client.send(request);
    }
}
