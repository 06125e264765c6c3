package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.earnings.examples.host.HostClient.Answer;
import dev.earnings.testkit.TestClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The example host over HTTP: every endpoint, the access matrix and every bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostAppHttpTest {
    static final Instant NOW = TestClock.DEFAULT_START;
    HostApp app;
    HostClient client;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        app = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0, line -> { });
        client = new HostClient(app);
    }

    @AfterAll
    void stop() {
        app.close();
    }

    Answer call(String method, String path, String token, String body) throws Exception {
        return client.call(method, path, token, body);
    }

    Answer call(HostApp on, String method, String path, String token) throws Exception {
        return call(on, method, path, token, null);
    }

    Answer call(HostApp on, String method, String path, String token, String body) throws Exception {
        return new HostClient(on).call(method, path, token, body);
    }

    @Test
    void track_recordsTheUseWithTheTokensTheHostMeasured_andReplaysByEventId() throws Exception {
        String body = "{\"userId\":\"user-42\",\"modelId\":\"voice-clone\",\"usageType\":\"other\","
                + "\"prompt\":\"Tell me a story\",\"response\":\"Once upon a time...\","
                + "\"metadata\":{\"prompt\":\"hello\"},\"eventId\":\"http-1\"}";
        Answer first = client.track(body);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("eventId").asText()).isEqualTo("http-1");
        assertThat(first.body().get("replayed").asBoolean()).isFalse();
        // The o200k_base tokens of the prompt (4) and the response (5), as the app counted them.
        assertThat(first.body().get("tokensConsumed").asLong()).isEqualTo(9);
        // voice-clone's next counted use after the demo data (no other test records one): its
        // $0.03 at that ordinal's tier, x 0.6 for other.
        long ordinal = Demo.uses(NOW).stream().filter(u -> u.modelId().equals("voice-clone")).count() + 1;
        assertThat(first.body().get("useOrdinal").asLong()).isEqualTo(ordinal);
        assertThat(first.body().get("tier").asInt()).isEqualTo(Demo.tier(ordinal));
        assertThat(first.body().get("earnings").asText()).isEqualTo(Demo.money(new BigDecimal("0.03")
                .multiply(Demo.tierMultiplier(ordinal)).multiply(new BigDecimal("0.6"))));
        assertThat(first.body().get("base").asText()).isEqualTo("0.030000000000");
        assertThat(first.body().get("currency").asText()).isEqualTo("USD");
        assertThat(first.body().get("reason").isNull()).isTrue();
        assertThat(first.body().get("occurredAt").asText()).isEqualTo(NOW.toString());
        assertThat(first.body().get("explanation").asText()).contains("x 0.6 (other)");

        Answer again = client.track(body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("replayed").asBoolean()).isTrue();
        assertThat(again.body().get("useOrdinal")).isEqualTo(first.body().get("useOrdinal"));
        assertThat(again.body().get("earnings")).isEqualTo(first.body().get("earnings"));

        Answer conflict = client.track(body.replace("Once upon a time...", "Once upon a time, far away..."));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.body().get("field").asText()).isEqualTo("tokensConsumed");
    }

    @Test
    void track_pricesTheMeasuredTokens() throws Exception {
        // story-chat: $0.002 a use plus $0.00002 a token; "hello world" is 2 tokens, no response.
        Answer answer = client.track("{\"userId\":\"user-priced\",\"modelId\":\"story-chat\","
                + "\"usageType\":\"image_generation\",\"prompt\":\"hello world\"}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("tokensConsumed").asLong()).isEqualTo(2);
        assertThat(answer.body().get("base").asText()).isEqualTo("0.002040000000");
    }

    @Test
    void track_takesMetadataDecimalsExactly_asTheTextSent() throws Exception {
        String body = "{\"userId\":\"user-decimals\",\"modelId\":\"story-chat\",\"usageType\":\"chat\","
                + "\"prompt\":\"p\",\"eventId\":\"http-decimals\",\"metadata\":{\"score\":0.1,\"weight\":1.50}}";
        assertThat(client.track(body).status()).isEqualTo(200);
        // Other spacing, same numbers: the same use.
        assertThat(client.track(body.replace("\"score\":0.1,", "\"score\" : 0.1 ,")).body().get("replayed").asBoolean())
                .isTrue();
        // As doubles these are the same numbers; as the decimals sent, they are not.
        for (String other : List.of("0.10000000000000000001", "0.1000000000000000055511151231257827")) {
            Answer conflict = client.track(body.replace("0.1,", other + ","));
            assertThat(conflict.status()).as(other).isEqualTo(409);
            assertThat(conflict.body().get("field").asText()).isEqualTo("metadata");
        }
        Answer scale = client.track(body.replace("1.50", "1.5"));
        assertThat(scale.status()).isEqualTo(409);
        assertThat(scale.body().get("field").asText()).isEqualTo("metadata");
    }

    static Stream<Arguments> badTracks() {
        return Stream.of(
                Arguments.of("malformed JSON", "demo-backend", "{\"modelId\":", 400, "body"),
                Arguments.of("not an object", "demo-backend", "[1,2]", 400, "body"),
                Arguments.of("an empty body", "demo-backend", "", 400, "body"),
                Arguments.of("a duplicate modelId", "demo-backend", ok("dup").replace("{", "{\"modelId\":\"sketch-xl\","),
                        400, "body"),
                Arguments.of("a duplicate key in metadata", "demo-backend", with(ok("dupmeta"), "\"metadata\":{\"a\":1,\"a\":2}"),
                        400, "body"),
                Arguments.of("a second JSON value after the object", "demo-backend", ok("trailing") + "{}", 400, "body"),
                Arguments.of("trailing garbage", "demo-backend", ok("garbage") + "x", 400, "body"),
                Arguments.of("nested too deeply", "demo-backend", with(ok("deep"), "\"metadata\":" + "{\"a\":".repeat(20)
                        + "1" + "}".repeat(20)), 400, "body"),
                Arguments.of("a token count sent by the client", "demo-backend",
                        with(ok("tokens"), "\"tokensConsumed\":1000000000"), 400, "tokensConsumed"),
                Arguments.of("an unknown field", "demo-backend", with(ok("unknown"), "\"tokens\":5"), 400, "tokens"),
                Arguments.of("missing userId", "demo-backend", ok("x").replace("\"userId\":\"user-bad-x\",", ""), 400, "userId"),
                Arguments.of("blank userId", "demo-backend", ok("x").replace("user-bad-x", " "), 400, "userId"),
                Arguments.of("missing modelId", "demo-backend", ok("nomodel").replace("\"modelId\":\"story-chat\",", ""),
                        400, "modelId"),
                Arguments.of("unknown model", "demo-backend", ok("model").replace("story-chat", "no-such-model"), 404, "modelId"),
                Arguments.of("missing prompt", "demo-backend", ok("noprompt").replace(",\"prompt\":\"a short prompt\"", ""),
                        400, "prompt"),
                Arguments.of("prompt not a string", "demo-backend", ok("promptnum").replace("\"a short prompt\"", "5"), 400, "prompt"),
                Arguments.of("unknown usage type", "demo-backend", ok("type").replace("chat", "video"), 400, "usageType"),
                Arguments.of("missing usage type", "demo-backend", ok("notype").replace("\"usageType\":\"chat\",", ""),
                        400, "usageType"),
                Arguments.of("metadata not an object", "demo-backend", with(ok("metaarray"), "\"metadata\":[1]"), 400, "metadata"),
                Arguments.of("metadata too big", "demo-backend", with(ok("metabig"), "\"metadata\":{\"notes\":\""
                        + "x".repeat(9000) + "\"}"), 400, "metadata"),
                Arguments.of("a metadata number past every limit", "demo-backend", with(ok("metahuge"), "\"metadata\":{\"score\":1e400}"),
                        400, "metadata"),
                Arguments.of("blank eventId", "demo-backend", with(ok("event"), "\"eventId\":\" \""), 400, "eventId"),
                Arguments.of("no token", null, ok("notoken"), 401, "authorization"),
                Arguments.of("unknown token", "forged", ok("forged"), 401, "authorization"),
                Arguments.of("an end user's token", "demo-user", ok("user"), 403, "authorization"),
                Arguments.of("a creator's token", "demo-ada", ok("creator"), 403, "authorization"),
                Arguments.of("an admin's token", "demo-admin", ok("admin"), 403, "authorization"));
    }

    /** A good use body; each case names its own user, so that no user's rate limit is reached. */
    static String ok(String user) {
        return "{\"userId\":\"user-bad-" + user + "\",\"modelId\":\"story-chat\",\"usageType\":\"chat\","
                + "\"prompt\":\"a short prompt\"}";
    }

    static String with(String body, String member) {
        return body.substring(0, body.length() - 1) + "," + member + "}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTracks")
    void track_badInput_isA4xxNamingTheField(String name, String token, String body, int status, String field) throws Exception {
        Answer answer = call("POST", "/api/track-model-usage", token, body);
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body().get("field").asText()).isEqualTo(field);
        assertThat(answer.body().get("message").asText()).isNotBlank();
    }

    @Test
    void track_metadataTheLibraryRefuses_isA400WithTheLibrarysMessage() throws Exception {
        Answer answer = client.track(with(ok("message"), "\"metadata\":{\"score\":1e400}"));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().get("message").asText()).contains("metadata", "without exponent");
    }

    static Stream<Arguments> contentTypes() {
        return Stream.of(
                Arguments.of(List.of(), 415),
                Arguments.of(List.of("text/plain"), 415),
                Arguments.of(List.of("text/plain;charset=UTF-8"), 415),
                Arguments.of(List.of("application/x-www-form-urlencoded"), 415),
                Arguments.of(List.of("application/json; charset=iso-8859-1"), 415),
                Arguments.of(List.of("application/jsonp"), 415),
                Arguments.of(List.of("application/json", "application/json"), 415),
                Arguments.of(List.of("application/json"), 200),
                Arguments.of(List.of("application/json; charset=utf-8"), 200),
                Arguments.of(List.of("Application/JSON;charset=\"UTF-8\""), 200));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("contentTypes")
    void track_takesJsonBodiesOnly(List<String> contentTypes, int status) throws Exception {
        HttpRequest.Builder request = client.request("POST", "/api/track-model-usage", ok("type-" + contentTypes.hashCode()))
                .header("Authorization", "Bearer demo-backend");
        contentTypes.forEach(type -> request.header("Content-Type", type));
        Answer answer = client.send(request);
        assertThat(answer.status()).isEqualTo(status);
        if (status == 415) {
            assertThat(answer.body().get("field").asText()).isEqualTo("Content-Type");
        }
    }

    @Test
    void track_withTheWrongMethod_is405() throws Exception {
        Answer answer = call("GET", "/api/track-model-usage", "demo-backend", null);
        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.header("Allow")).isEqualTo("POST");
    }

    @Test
    void aPathBelowAnEndpoint_is404() throws Exception {
        assertThat(call("GET", "/api/admin/totals/x", "demo-admin", null).status()).isEqualTo(404);
        assertThat(call("POST", "/api/track-model-usage/x", "demo-backend", ok("below")).status()).isEqualTo(404);
    }

    @Test
    void creatorAnalytics_adminTotalsAndCreators_showExactlyTheDemoDataFigures(@TempDir Path directory) throws Exception {
        // An app of its own, so that no other test's uses or payouts change the figures.
        HostApp fresh = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0);
        try {
            List<Demo.Use> uses = Demo.uses(NOW);
            LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
            Map<String, Long> paidOut = Map.of("ada", 500L, "lin", 0L);
            Map<String, Long> pending = Map.of("ada", 0L, "lin", 100L);
            Demo.Use refunded = Demo.use(uses, Demo.REFUNDED);
            assertThat(refunded.creatorId()).isEqualTo("ada");
            assertThat(refunded.at()).isEqualTo(NOW);
            for (String creator : List.of("ada", "lin")) {
                JsonNode d = call(fresh, "GET", "/api/creator-analytics?period=30", "demo-" + creator).body();
                List<Demo.Use> mine = Demo.of(uses, creator);
                List<Demo.Use> period = mine.stream().filter(u -> !u.day().isBefore(today.minusDays(29)))
                        .collect(Collectors.toList());
                List<Demo.Use> previous = mine.stream().filter(u -> u.day().isBefore(today.minusDays(29))
                        && !u.day().isBefore(today.minusDays(59))).collect(Collectors.toList());
                BigDecimal total = Demo.net(period);
                BigDecimal before = Demo.net(previous);
                BigDecimal lifetime = Demo.net(mine);
                BigDecimal reversed = creator.equals("ada") ? refunded.earnings() : BigDecimal.ZERO;
                assertThat(d.get("creatorId").asText()).isEqualTo(creator);
                assertThat(d.get("from").asText()).isEqualTo(today.minusDays(29).toString());
                assertThat(d.get("to").asText()).isEqualTo(today.plusDays(1).toString());
                assertThat(d.get("grossEarnings").asText()).as(creator).isEqualTo(Demo.money(Demo.sum(period)));
                assertThat(d.get("totalReversed").asText()).as(creator).isEqualTo(Demo.money(reversed));
                assertThat(d.get("totalEarnings").asText()).as(creator).isEqualTo(Demo.money(total));
                assertThat(d.get("lifetimeEarnings").asText()).as(creator).isEqualTo(Demo.money(lifetime));
                assertThat(d.get("lifetimeReversed").asText()).as(creator).isEqualTo(Demo.money(reversed));
                assertThat(d.get("totalUsage").asLong()).as(creator).isEqualTo(period.size());
                assertThat(d.get("earningUses").asLong()).as(creator).isEqualTo(period.size());
                assertThat(d.get("uniqueUsers").asLong()).as(creator)
                        .isEqualTo(period.stream().map(Demo.Use::userId).distinct().count());
                assertThat(d.get("activeModels").asLong()).isEqualTo(2);
                assertThat(d.get("averagePerModel").asText()).isEqualTo(Demo.money(total.divide(BigDecimal.valueOf(2))));
                assertThat(d.get("change").get("previousEarnings").asText()).isEqualTo(Demo.money(before));
                assertThat(d.get("change").get("earningsChange").asText()).isEqualTo(Demo.money(total.subtract(before)));
                assertThat(d.get("change").get("earningsChangeRatio").asText())
                        .isEqualTo(total.subtract(before).divide(before, 4, RoundingMode.HALF_EVEN).toPlainString());

                // Models by period earnings, net; tiers from their lifetime counted uses, which a
                // reversal does not move back.
                Map<String, List<Demo.Use>> byModel = period.stream().collect(Collectors.groupingBy(Demo.Use::modelId));
                List<String> order = byModel.keySet().stream().sorted(Comparator.comparing(
                        (String m) -> Demo.net(byModel.get(m))).reversed()).collect(Collectors.toList());
                assertThat(d.get("models")).extracting(m -> m.get("modelId").asText()).containsExactlyElementsOf(order);
                for (JsonNode m : d.get("models")) {
                    String modelId = m.get("modelId").asText();
                    long counted = mine.stream().filter(u -> u.modelId().equals(modelId)).count();
                    assertThat(m.get("uses").asLong()).isEqualTo(byModel.get(modelId).size());
                    assertThat(m.get("earnings").asText()).isEqualTo(Demo.money(Demo.net(byModel.get(modelId))));
                    assertThat(m.get("tier").asInt()).as(modelId).isEqualTo(Demo.tier(counted + 1));
                    assertThat(new BigDecimal(m.get("multiplier").asText())).isEqualByComparingTo(Demo.tierMultiplier(counted + 1));
                    assertThat(m.get("usesToNextTier").asLong()).isEqualTo(Demo.nextThreshold(counted + 1) - counted);
                }

                // The trend: thirty days, each the sum of its uses less the reversals made on it.
                List<String> days = new ArrayList<>();
                List<String> earnings = new ArrayList<>();
                List<Long> counts = new ArrayList<>();
                for (LocalDate day = today.minusDays(29); !day.isAfter(today); day = day.plusDays(1)) {
                    LocalDate on = day;
                    List<Demo.Use> ofDay = period.stream().filter(u -> u.day().equals(on)).collect(Collectors.toList());
                    days.add(day.toString());
                    earnings.add(Demo.money(Demo.net(ofDay)));
                    counts.add((long) ofDay.size());
                }
                assertThat(d.get("trend")).extracting(p -> p.get("day").asText()).containsExactlyElementsOf(days);
                assertThat(d.get("trend")).extracting(p -> p.get("earnings").asText()).containsExactlyElementsOf(earnings);
                assertThat(d.get("trend")).extracting(p -> p.get("uses").asLong()).containsExactlyElementsOf(counts);

                // The ten latest uses, newest first, with one pseudonym per user; each as rated, with
                // what was reversed of it (ada's latest was refunded).
                List<Demo.Use> latest = period.stream().sorted(Comparator.comparing(Demo.Use::at).reversed()).limit(10)
                        .collect(Collectors.toList());
                assertThat(d.get("recentActivity")).hasSize(10);
                Map<String, String> pseudonyms = new HashMap<>();
                for (int i = 0; i < 10; i++) {
                    JsonNode a = d.get("recentActivity").get(i);
                    Demo.Use u = latest.get(i);
                    assertThat(a.get("at").asText()).isEqualTo(u.at().toString());
                    assertThat(a.get("modelId").asText()).isEqualTo(u.modelId());
                    assertThat(a.get("usageType").asText()).isEqualTo(u.type());
                    assertThat(a.get("tokens").asLong()).isEqualTo(u.tokens());
                    assertThat(a.get("earnings").asText()).isEqualTo(Demo.money(u.earnings()));
                    assertThat(a.get("reversed").asText()).isEqualTo(Demo.money(Demo.reversed(List.of(u))));
                    assertThat(a.get("isReversed").asBoolean()).isEqualTo(u.eventId().equals(Demo.REFUNDED));
                    assertThat(a.get("user").asText()).matches("anon-[0-9a-f]{16}");
                    assertThat(pseudonyms.computeIfAbsent(u.userId(), k -> a.get("user").asText()))
                            .isEqualTo(a.get("user").asText());
                }
                assertThat(new HashSet<>(pseudonyms.values())).hasSameSizeAs(pseudonyms.keySet());
                assertThat(d.get("recentActivity").get(0).get("isReversed").asBoolean()).isEqualTo(creator.equals("ada"));

                // The balance, after the demo payouts, with today's and yesterday's uses held.
                BigDecimal held = Demo.held(mine, today);
                assertThat(held).isPositive();
                BigDecimal available = lifetime.subtract(held)
                        .subtract(BigDecimal.valueOf(paidOut.get(creator) + pending.get(creator), 2));
                JsonNode balance = d.get("balance");
                assertThat(balance.get("earned").asText()).isEqualTo(Demo.money(lifetime));
                assertThat(balance.get("held").asText()).isEqualTo(Demo.money(held));
                assertThat(balance.get("paidOut").asText()).isEqualTo(Demo.money(BigDecimal.valueOf(paidOut.get(creator), 2)));
                assertThat(balance.get("pending").asText()).isEqualTo(Demo.money(BigDecimal.valueOf(pending.get(creator), 2)));
                assertThat(balance.get("available").asText()).isEqualTo(Demo.money(available));
                assertThat(balance.get("availableMinor").asLong())
                        .isEqualTo(available.movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact());
                assertThat(balance.get("owed").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));
                assertThat(d.get("transactions")).hasSize(1);
                JsonNode payout = d.get("transactions").get(0);
                assertThat(payout.get("amountMinor").asLong()).isEqualTo(paidOut.get(creator) + pending.get(creator));
                assertThat(payout.get("status").asText()).isEqualTo(creator.equals("ada") ? "COMPLETED" : "PENDING");
                assertThat(payout.get("createdAt").asText()).isEqualTo(NOW.toString());
                assertThat(d.get("modelIds")).extracting(JsonNode::asText).containsExactlyElementsOf(
                        creator.equals("ada") ? List.of("anime-diffusion", "sketch-xl") : List.of("story-chat", "voice-clone"));
            }

            // One model, the last seven days.
            JsonNode sketch = call(fresh, "GET", "/api/creator-analytics?period=7&modelId=sketch-xl", "demo-ada").body();
            List<Demo.Use> week = uses.stream().filter(u -> u.modelId().equals("sketch-xl")
                    && !u.day().isBefore(today.minusDays(6))).collect(Collectors.toList());
            assertThat(sketch.get("modelId").asText()).isEqualTo("sketch-xl");
            assertThat(sketch.get("activeModels").asLong()).isEqualTo(1);
            assertThat(sketch.get("totalUsage").asLong()).isEqualTo(week.size());
            assertThat(sketch.get("totalEarnings").asText()).isEqualTo(Demo.money(Demo.sum(week)));
            assertThat(sketch.get("totalReversed").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));
            assertThat(sketch.get("trend")).hasSize(7);

            // The platform and the creators, as an admin sees them.
            List<Demo.Use> month = uses.stream().filter(u -> !u.day().isBefore(today.minusDays(29))).collect(Collectors.toList());
            JsonNode totals = call(fresh, "GET", "/api/admin/totals?period=30", "demo-admin").body();
            assertThat(totals.get("earnings").asText()).isEqualTo(Demo.money(Demo.net(month)));
            assertThat(totals.get("reversed").asText()).isEqualTo(Demo.money(refunded.earnings()));
            assertThat(totals.get("uses").asLong()).isEqualTo(month.size());
            assertThat(totals.get("creatorsWithUsage").asLong()).isEqualTo(2);
            assertThat(totals.get("modelsWithUsage").asLong()).isEqualTo(month.stream().map(Demo.Use::modelId).distinct().count());
            // Registered when the demo data's history starts, ten weeks ago: none in the last 30 days.
            assertThat(totals.get("newModels").asLong()).isZero();
            JsonNode creators = call(fresh, "GET", "/api/admin/creators?period=30", "demo-admin").body();
            assertThat(creators.get("totalItems").asLong()).isEqualTo(2);
            List<String> byLifetime = List.of("ada", "lin").stream().sorted(Comparator.comparing(
                    (String c) -> Demo.net(Demo.of(uses, c))).reversed()).collect(Collectors.toList());
            assertThat(creators.get("items")).extracting(c -> c.get("creatorId").asText()).containsExactlyElementsOf(byLifetime);
            for (JsonNode c : creators.get("items")) {
                String creator = c.get("creatorId").asText();
                List<Demo.Use> all = Demo.of(uses, creator);
                List<Demo.Use> inMonth = Demo.of(month, creator);
                assertThat(c.get("lifetimeEarnings").asText()).isEqualTo(Demo.money(Demo.net(all)));
                assertThat(c.get("periodEarnings").asText()).isEqualTo(Demo.money(Demo.net(inMonth)));
                assertThat(c.get("periodReversed").asText()).isEqualTo(Demo.money(Demo.reversed(inMonth)));
                assertThat(c.get("periodUses").asLong()).isEqualTo(inMonth.size());
                assertThat(c.get("models").asLong()).isEqualTo(2);
                assertThat(c.get("balance").get("held").asText()).isEqualTo(Demo.money(Demo.held(all, today)));
                assertThat(c.get("balance").get("availableMinor").asLong()).isEqualTo(Demo.net(all)
                        .subtract(Demo.held(all, today))
                        .subtract(BigDecimal.valueOf(paidOut.get(creator) + pending.get(creator), 2))
                        .movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact());
            }
        } finally {
            fresh.close();
        }
    }

    static Stream<Arguments> accessMatrix() {
        return Stream.concat(Stream.of(
                Arguments.of("GET", "/api/creator-analytics?period=7", "demo-ada", 200),
                Arguments.of("GET", "/api/creator-analytics?period=7", "demo-lin", 200),
                Arguments.of("GET", "/api/creator-analytics?period=7", "demo-user", 403),
                Arguments.of("GET", "/api/creator-analytics?period=7", null, 401),
                Arguments.of("GET", "/api/creator-analytics?period=7&creatorId=ada", "demo-lin", 403),
                Arguments.of("GET", "/api/creator-analytics?period=7&modelId=story-chat", "demo-ada", 403),
                Arguments.of("GET", "/api/creator-analytics?period=7&creatorId=ada", "demo-admin", 200),
                Arguments.of("GET", "/api/creator-analytics?period=14", "demo-ada", 400),
                Arguments.of("GET", "/api/admin/totals?period=30", "demo-admin", 200),
                Arguments.of("GET", "/api/admin/totals?period=30", "demo-ada", 403),
                Arguments.of("GET", "/api/admin/totals?period=30", "demo-user", 403),
                Arguments.of("GET", "/api/admin/creators?period=30&sort=PERIOD_EARNINGS", "demo-admin", 200),
                Arguments.of("GET", "/api/admin/creators?period=30&sort=nonsense", "demo-admin", 400),
                Arguments.of("GET", "/api/admin/creators?period=30", "demo-lin", 403),
                Arguments.of("POST", "/api/admin/payouts/bulk", "demo-ada", 403),
                Arguments.of("POST", "/api/admin/payouts/bulk", null, 401),
                // Reversals are for admins alone; anyone else is refused before the body is read.
                Arguments.of("POST", "/api/admin/reversals", "demo-ada", 403),
                Arguments.of("POST", "/api/admin/reversals", "demo-lin", 403),
                Arguments.of("POST", "/api/admin/reversals", "demo-user", 403),
                Arguments.of("POST", "/api/admin/reversals", "demo-backend", 403),
                Arguments.of("POST", "/api/admin/reversals", null, 401),
                Arguments.of("POST", "/api/admin/reversals", "forged", 401),
                Arguments.of("GET", "/api/admin/audit-log", "demo-admin", 200),
                Arguments.of("GET", "/api/admin/audit-log?actor=ada", "demo-ada", 403),
                Arguments.of("GET", "/api/admin/audit-log?targetType=model&targetId=story-chat", "demo-lin", 403),
                Arguments.of("GET", "/api/admin/audit-log", "demo-user", 403),
                Arguments.of("GET", "/api/admin/audit-log", "demo-backend", 403),
                Arguments.of("GET", "/api/admin/audit-log", null, 401)),
                webhookAccess());
    }

    /**
     * Webhook deliveries, the events received, the event consumer's status and its replay: for
     * admins alone. Every other sign-in is refused, and no sign-in or a wrong one is a 401.
     */
    static Stream<Arguments> webhookAccess() {
        List<String[]> endpoints = List.of(new String[] {"GET", "/api/admin/webhooks/deliveries"},
                new String[] {"GET", "/api/admin/webhooks/received"}, new String[] {"GET", "/api/admin/events/status"},
                new String[] {"POST", "/api/admin/events/replay"});
        Map<String, Integer> tokens = new LinkedHashMap<>();
        tokens.put("demo-admin", 200);
        tokens.put("demo-ada", 403);
        tokens.put("demo-lin", 403);
        tokens.put("demo-user", 403);
        tokens.put("demo-backend", 403);
        tokens.put("forged", 401);
        tokens.put(null, 401);
        return endpoints.stream().flatMap(e -> tokens.entrySet().stream()
                .map(t -> Arguments.of(e[0], e[1], t.getKey(), t.getValue())));
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @MethodSource("accessMatrix")
    void accessMatrix_answersAsTheRulesSay(String method, String path, String token, int status) throws Exception {
        Answer answer = call(method, path, token, method.equals("POST") ? "{\"thresholdMinor\":1,\"batchReference\":\"b\"}" : null);
        assertThat(answer.status()).isEqualTo(status);
        if (status == 403) {
            assertThat(answer.body().toString()).doesNotContain("totalEarnings", "anime-diffusion", "story-chat", "evt_");
        }
    }

    @Test
    void adminPayouts_createCompleteFailAndBulk() throws Exception {
        Answer created = call("POST", "/api/admin/payouts", "demo-admin",
                "{\"creatorId\":\"ada\",\"amountMinor\":100,\"reference\":\"http-payout-1\",\"note\":\"test\"}");
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.body().get("status").asText()).isEqualTo("PENDING");
        long id = created.body().get("id").asLong();
        Answer completed = call("POST", "/api/admin/payouts/" + id + "/complete", "demo-admin", "{\"reason\":\"wire\"}");
        assertThat(completed.body().get("status").asText()).isEqualTo("COMPLETED");
        Answer twice = call("POST", "/api/admin/payouts/" + id + "/fail", "demo-admin", "{\"reason\":\"late\"}");
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.body().get("field").asText()).isEqualTo("status");

        Answer second = call("POST", "/api/admin/payouts", "demo-admin",
                "{\"creatorId\":\"ada\",\"amountMinor\":100,\"reference\":\"http-payout-2\"}");
        Answer noReason = call("POST", "/api/admin/payouts/" + second.body().get("id").asLong() + "/fail", "demo-admin", "{}");
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.body().get("field").asText()).isEqualTo("reason");

        Answer cancelled = call("POST", "/api/admin/payouts/" + second.body().get("id").asLong() + "/cancel", "demo-admin",
                "{\"reason\":\"duplicate\"}");
        assertThat(cancelled.body().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(call("POST", "/api/admin/payouts/abc/complete", "demo-admin", "{}").status()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/payouts/1/explode", "demo-admin", "{}").status()).isEqualTo(404);

        Answer tooMuch = call("POST", "/api/admin/payouts", "demo-admin",
                "{\"creatorId\":\"ada\",\"amountMinor\":100000000,\"reference\":\"http-payout-3\"}");
        assertThat(tooMuch.status()).isEqualTo(409);
        assertThat(tooMuch.body().get("field").asText()).isEqualTo("amountMinor");
        Answer badAmount = call("POST", "/api/admin/payouts", "demo-admin",
                "{\"creatorId\":\"ada\",\"amountMinor\":\"ten\",\"reference\":\"http-payout-4\"}");
        assertThat(badAmount.status()).isEqualTo(400);
        assertThat(badAmount.body().get("field").asText()).isEqualTo("amountMinor");

        Answer dry = call("POST", "/api/admin/payouts/bulk", "demo-admin",
                "{\"thresholdMinor\":100,\"batchReference\":\"http-bulk\",\"dryRun\":true}");
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.body().get("dryRun").asBoolean()).isTrue();
        // ada has earned the demo data's figure less its refund, of which today's and yesterday's
        // uses are held, and been paid $5.00 (demo) and $1.00 (above); the cancelled payout
        // released its dollar. lin's balance is whatever the creators view shows.
        List<Demo.Use> ada = Demo.of(Demo.uses(NOW), "ada");
        long adaAvailable = Demo.net(ada).subtract(Demo.held(ada, LocalDate.ofInstant(NOW, ZoneOffset.UTC)))
                .subtract(new BigDecimal("6.00")).movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact();
        Answer creators = call("GET", "/api/admin/creators?period=30", "demo-admin", null);
        Map<String, Long> shown = new HashMap<>();
        creators.body().get("items").forEach(c -> shown.put(c.get("creatorId").asText(),
                c.get("balance").get("availableMinor").asLong()));
        assertThat(shown).containsOnlyKeys("ada", "lin").containsEntry("ada", adaAvailable);
        assertThat(dry.body().get("items")).hasSize(2).allSatisfy(item -> {
            assertThat(item.get("outcome").asText()).isEqualTo("WOULD_CREATE");
            assertThat(item.get("availableMinor").asLong()).isEqualTo(shown.get(item.get("creatorId").asText()));
            assertThat(item.get("payout").isNull()).isTrue();
        });
        // A dry run writes nothing: the balances stand.
        Answer again = call("GET", "/api/admin/creators?period=30", "demo-admin", null);
        assertThat(again.body()).isEqualTo(creators.body());
    }

    /** A reversal's body: a good one, naming its own correction id, for the cases to spoil. */
    static String reversal(String correctionId) {
        return "{\"eventId\":\"demo-d20-4\",\"amount\":\"0.001\",\"correctionId\":\"" + correctionId
                + "\",\"reason\":\"a test refund\"}";
    }

    static Stream<Arguments> badReversals() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"eventId\":", "body"),
                Arguments.of("not an object", "[\"demo-d20-4\"]", "body"),
                Arguments.of("an empty body", "", "body"),
                Arguments.of("a duplicate amount", reversal("dup").replace("{", "{\"amount\":\"0.002\","), "body"),
                Arguments.of("a second JSON value after the object", reversal("trailing") + "{}", "body"),
                Arguments.of("a misspelt amount, which would reverse the whole use",
                        reversal("misspelt").replace("\"amount\"", "\"amout\""), "amout"),
                Arguments.of("an unknown field", with(reversal("unknown"), "\"creatorId\":\"ada\""), "creatorId"),
                Arguments.of("amount as a JSON number", reversal("number").replace("\"0.001\"", "0.001"), "amount"),
                Arguments.of("amount as a JSON integer", reversal("integer").replace("\"0.001\"", "1"), "amount"),
                Arguments.of("amount with an exponent", reversal("exponent").replace("0.001", "1e-3"), "amount"),
                Arguments.of("a negative amount", reversal("negative").replace("0.001", "-0.001"), "amount"),
                Arguments.of("an empty amount", reversal("empty").replace("0.001", ""), "amount"),
                Arguments.of("an amount with spaces", reversal("spaces").replace("0.001", " 0.001"), "amount"),
                Arguments.of("an amount with a comma", reversal("comma").replace("0.001", "0,001"), "amount"),
                Arguments.of("a zero amount", reversal("zero").replace("0.001", "0.000"), "amount"),
                Arguments.of("thirteen decimal places", reversal("places").replace("0.001", "0.0000000000001"), "amount"),
                Arguments.of("an amount past every use", reversal("huge").replace("0.001", "1" + "0".repeat(26)), "amount"),
                Arguments.of("missing eventId", reversal("noevent").replace("\"eventId\":\"demo-d20-4\",", ""), "eventId"),
                Arguments.of("eventId not a string", reversal("eventnum").replace("\"demo-d20-4\"", "20"), "eventId"),
                Arguments.of("blank eventId", reversal("eventblank").replace("demo-d20-4", " "), "eventId"),
                Arguments.of("an eventId that is no use", reversal("nouse").replace("demo-d20-4", "no-such-use"), "eventId"),
                Arguments.of("missing correctionId", reversal("x").replace(",\"correctionId\":\"x\"", ""), "correctionId"),
                Arguments.of("blank correctionId", reversal(" "), "correctionId"),
                Arguments.of("missing reason", reversal("noreason").replace(",\"reason\":\"a test refund\"", ""), "reason"),
                Arguments.of("blank reason", reversal("blankreason").replace("a test refund", " "), "reason"),
                Arguments.of("a reason too long", reversal("longreason").replace("a test refund", "x".repeat(2001)), "reason"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badReversals")
    void reverse_badInput_isA400NamingTheField_andReversesNothing(String name, String body, String field) throws Exception {
        Answer answer = call("POST", "/api/admin/reversals", "demo-admin", body);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().get("error").asText()).isEqualTo("bad_request");
        assertThat(answer.body().get("field").asText()).isEqualTo(field);
        assertThat(answer.body().get("message").asText()).isNotBlank();
        // demo-d20-4 is reversed by no test: nothing of it was taken.
        Answer left = call("POST", "/api/admin/reversals", "demo-admin", reversal("probe-" + name.hashCode())
                .replace("0.001", "1000"));
        assertThat(left.status()).isEqualTo(409);
        assertThat(left.body().get("message").asText()).contains("has " + Demo.use(Demo.uses(NOW), "demo-d20-4")
                .earnings().stripTrailingZeros().toPlainString() + " left to reverse");
    }

    @Test
    void reverse_takesJsonBodiesOnly_byPostOnly_atItsPathOnly() throws Exception {
        Answer text = client.send(client.request("POST", "/api/admin/reversals", reversal("text"))
                .header("Authorization", "Bearer demo-admin").header("Content-Type", "text/plain"));
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.body().get("field").asText()).isEqualTo("Content-Type");
        Answer get = call("GET", "/api/admin/reversals", "demo-admin", null);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.header("Allow")).isEqualTo("POST");
        assertThat(call("POST", "/api/admin/reversals/demo-d20-4", "demo-admin", reversal("below")).status()).isEqualTo(404);
    }

    @Test
    void reverse_partThenTheRest_neverMoreThanRemains_andReplaysByCorrectionId() throws Exception {
        Answer tracked = client.track("{\"userId\":\"user-reverse\",\"modelId\":\"story-chat\","
                + "\"usageType\":\"image_generation\",\"prompt\":\"hello world\",\"eventId\":\"http-reverse-1\"}");
        assertThat(tracked.status()).isEqualTo(200);
        BigDecimal earned = new BigDecimal(tracked.body().get("earnings").asText());
        JsonNode before = call("GET", "/api/creator-analytics?period=7", "demo-lin", null).body().get("balance");

        String part = "{\"eventId\":\"http-reverse-1\",\"amount\":\"0.0005\",\"correctionId\":\"http-refund-1\","
                + "\"reason\":\"half the image was lost\"}";
        Answer first = call("POST", "/api/admin/reversals", "demo-admin", part);
        assertThat(first.status()).isEqualTo(200);
        JsonNode r = first.body();
        assertThat(r.get("correctionId").asText()).isEqualTo("http-refund-1");
        assertThat(r.get("eventId").asText()).isEqualTo("http-reverse-1");
        assertThat(r.get("modelId").asText()).isEqualTo("story-chat");
        assertThat(r.get("creatorId").asText()).isEqualTo("lin");
        assertThat(r.get("amount").asText()).isEqualTo("0.000500000000");
        assertThat(r.get("remaining").asText()).isEqualTo(Demo.money(earned.subtract(new BigDecimal("0.0005"))));
        assertThat(r.get("actor").asText()).isEqualTo("admin-1");
        assertThat(r.get("reason").asText()).isEqualTo("half the image was lost");
        assertThat(r.get("reversedAt").asText()).isEqualTo(NOW.toString());
        assertThat(r.get("replayed").asBoolean()).isFalse();
        // The use is today's, so still held: the reversal lowers earned and held alike, not what is available.
        JsonNode after = r.get("balance");
        BigDecimal taken = new BigDecimal("0.0005");
        assertThat(after.get("earned").asText()).isEqualTo(Demo.money(new BigDecimal(before.get("earned").asText()).subtract(taken)));
        assertThat(after.get("held").asText()).isEqualTo(Demo.money(new BigDecimal(before.get("held").asText()).subtract(taken)));
        assertThat(after.get("available")).isEqualTo(before.get("available"));
        assertThat(after.get("owed").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));

        // The same request again is the same reversal; nothing is taken twice.
        Answer again = call("POST", "/api/admin/reversals", "demo-admin", part);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("replayed").asBoolean()).isTrue();
        assertThat(again.body().get("amount")).isEqualTo(r.get("amount"));
        assertThat(again.body().get("remaining")).isEqualTo(r.get("remaining"));
        assertThat(again.body().get("balance")).isEqualTo(after);

        // The correction id with another amount or another use: a conflict naming what differs.
        Answer otherAmount = call("POST", "/api/admin/reversals", "demo-admin", part.replace("0.0005", "0.0004"));
        assertThat(otherAmount.status()).isEqualTo(409);
        assertThat(otherAmount.body().get("error").asText()).isEqualTo("conflict");
        assertThat(otherAmount.body().get("field").asText()).isEqualTo("amount");
        assertThat(otherAmount.body().get("message").asText()).contains("http-refund-1");
        Answer otherUse = call("POST", "/api/admin/reversals", "demo-admin", part.replace("http-reverse-1", "demo-d1-1"));
        assertThat(otherUse.status()).isEqualTo(409);
        assertThat(otherUse.body().get("field").asText()).isEqualTo("eventId");
        Answer whole = call("POST", "/api/admin/reversals", "demo-admin", part.replace(",\"amount\":\"0.0005\"", ""));
        assertThat(whole.status()).isEqualTo(409);
        assertThat(whole.body().get("field").asText()).isEqualTo("amount");

        // More than remains: refused, saying what remains.
        Answer tooMuch = call("POST", "/api/admin/reversals", "demo-admin", part.replace("http-refund-1", "http-refund-2")
                .replace("0.0005", earned.toPlainString()));
        assertThat(tooMuch.status()).isEqualTo(409);
        assertThat(tooMuch.body().get("field").asText()).isEqualTo("amount");
        assertThat(tooMuch.body().get("message").asText()).contains("has " + earned.subtract(taken).stripTrailingZeros()
                .toPlainString() + " left to reverse");

        // The rest, with no amount; then nothing remains to reverse.
        String rest = "{\"eventId\":\"http-reverse-1\",\"correctionId\":\"http-refund-3\",\"reason\":\"refunded in full\"}";
        Answer restAnswer = call("POST", "/api/admin/reversals", "demo-admin", rest);
        assertThat(restAnswer.status()).isEqualTo(200);
        assertThat(restAnswer.body().get("amount").asText()).isEqualTo(Demo.money(earned.subtract(taken)));
        assertThat(restAnswer.body().get("remaining").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));
        assertThat(restAnswer.body().get("balance").get("earned").asText())
                .isEqualTo(Demo.money(new BigDecimal(before.get("earned").asText()).subtract(earned)));
        Answer nothingLeft = call("POST", "/api/admin/reversals", "demo-admin", rest.replace("http-refund-3", "http-refund-4"));
        assertThat(nothingLeft.status()).isEqualTo(409);
        assertThat(nothingLeft.body().get("field").asText()).isEqualTo("amount");
        assertThat(nothingLeft.body().get("message").asText()).contains("all that remains", "has 0 left to reverse");
    }

    @Test
    void reverse_afterAPayout_takesAvailableBelowZero_theDashboardShowsWhatIsOwed_andLaterEarningsRepayIt(
            @TempDir Path directory) throws Exception {
        TestClock clock = TestClock.at(NOW);
        HostApp fresh = HostApp.start(directory.resolve("db"), clock, 0);
        try {
            List<Demo.Use> uses = Demo.uses(NOW);
            List<Demo.Use> lin = Demo.of(uses, "lin");
            LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
            BigDecimal earned = Demo.net(lin);
            BigDecimal held = Demo.held(lin, today);
            BigDecimal pending = new BigDecimal("1.00");
            BigDecimal available = earned.subtract(held).subtract(pending);
            // All that lin has available is paid out and the bank confirms it.
            long all = available.movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact();
            BigDecimal paid = BigDecimal.valueOf(all, 2);
            Answer payout = call(fresh, "POST", "/api/admin/payouts", "demo-admin",
                    "{\"creatorId\":\"lin\",\"amountMinor\":" + all + ",\"reference\":\"http-owed-1\"}");
            assertThat(payout.status()).isEqualTo(200);
            assertThat(call(fresh, "POST", "/api/admin/payouts/" + payout.body().get("id").asLong() + "/complete",
                    "demo-admin", "{\"reason\":\"wire\"}").status()).isEqualTo(200);

            // Then a chargeback on a use of ten days ago: out of its hold long since, and paid.
            Demo.Use old = Demo.use(uses, "demo-d10-3");
            assertThat(old.creatorId()).isEqualTo("lin");
            assertThat(old.day()).isBefore(today.minusDays(Demo.HOLD_DAYS));
            Answer reversed = call(fresh, "POST", "/api/admin/reversals", "demo-admin",
                    "{\"eventId\":\"demo-d10-3\",\"correctionId\":\"http-chargeback-1\",\"reason\":\"chargeback\"}");
            assertThat(reversed.status()).isEqualTo(200);
            assertThat(reversed.body().get("amount").asText()).isEqualTo(Demo.money(old.earnings()));
            assertThat(reversed.body().get("remaining").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));
            BigDecimal below = available.subtract(paid).subtract(old.earnings());
            assertThat(below).isNegative();
            JsonNode balance = reversed.body().get("balance");
            assertThat(balance.get("earned").asText()).isEqualTo(Demo.money(earned.subtract(old.earnings())));
            assertThat(balance.get("held").asText()).isEqualTo(Demo.money(held));
            assertThat(balance.get("pending").asText()).isEqualTo(Demo.money(pending));
            assertThat(balance.get("paidOut").asText()).isEqualTo(Demo.money(paid));
            assertThat(balance.get("available").asText()).isEqualTo(Demo.money(below));
            assertThat(balance.get("availableMinor").asLong()).isZero();
            assertThat(balance.get("owed").asText()).isEqualTo(Demo.money(below.negate()));

            // The dashboard: the reversal is booked today, so the period's net is lower by it.
            List<Demo.Use> period = lin.stream().filter(u -> !u.day().isBefore(today.minusDays(29))).collect(Collectors.toList());
            JsonNode d = call(fresh, "GET", "/api/creator-analytics?period=30", "demo-lin", null).body();
            assertThat(d.get("grossEarnings").asText()).isEqualTo(Demo.money(Demo.sum(period)));
            assertThat(d.get("totalReversed").asText()).isEqualTo(Demo.money(old.earnings()));
            assertThat(d.get("totalEarnings").asText()).isEqualTo(Demo.money(Demo.sum(period).subtract(old.earnings())));
            assertThat(d.get("lifetimeReversed").asText()).isEqualTo(Demo.money(old.earnings()));
            assertThat(d.get("lifetimeEarnings").asText()).isEqualTo(Demo.money(earned.subtract(old.earnings())));
            assertThat(d.get("balance")).isEqualTo(balance);
            JsonNode creators = call(fresh, "GET", "/api/admin/creators?period=30", "demo-admin", null).body();
            JsonNode linRow = null;
            for (JsonNode c : creators.get("items")) {
                if (c.get("creatorId").asText().equals("lin")) {
                    linRow = c;
                }
            }
            assertThat(linRow).isNotNull();
            assertThat(linRow.get("periodReversed").asText()).isEqualTo(Demo.money(old.earnings()));
            assertThat(linRow.get("balance")).isEqualTo(balance);

            // While lin owes, nothing can be paid out.
            Answer refused = call(fresh, "POST", "/api/admin/payouts", "demo-admin",
                    "{\"creatorId\":\"lin\",\"amountMinor\":1,\"reference\":\"http-owed-2\"}");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.body().get("field").asText()).isEqualTo("amountMinor");

            // Two days on, today's and yesterday's uses are out of their hold: they repay the debt first.
            clock.advance(Duration.ofDays(Demo.HOLD_DAYS + 1));
            JsonNode later = call(fresh, "GET", "/api/creator-analytics?period=30", "demo-lin", null).body().get("balance");
            BigDecimal repaid = below.add(held);
            assertThat(repaid).isPositive();
            assertThat(later.get("held").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));
            assertThat(later.get("available").asText()).isEqualTo(Demo.money(repaid));
            assertThat(later.get("owed").asText()).isEqualTo(Demo.money(BigDecimal.ZERO));
            assertThat(later.get("availableMinor").asLong())
                    .isEqualTo(repaid.movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact());
        } finally {
            fresh.close();
        }
    }

    @Test
    void auditLog_listsTheDemoDataChanges_newestFirst_filteredAndPaged(@TempDir Path directory) throws Exception {
        HostApp fresh = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0);
        try {
            JsonNode all = call(fresh, "GET", "/api/admin/audit-log", "demo-admin", null).body();
            // Two settings made on the first start, the demo admin's four models (registered when the
            // history starts, ten weeks back), two payouts (one completed) and the refund, newest first;
            // the clock stands still otherwise, so the rest at NOW.
            assertThat(all.get("totalItems").asLong()).isEqualTo(10);
            assertThat(all.get("totalPages").asLong()).isEqualTo(1);
            assertThat(all.get("page").asInt()).isZero();
            assertThat(all.get("size").asInt()).isEqualTo(50);
            JsonNode items = all.get("items");
            assertThat(items).extracting(e -> e.get("action").asText()).containsExactly("USE_REVERSED", "PAYOUT_CREATED",
                    "PAYOUT_COMPLETED", "PAYOUT_CREATED", "SETTINGS_CHANGED", "SETTINGS_CHANGED", "MODEL_REGISTERED",
                    "MODEL_REGISTERED", "MODEL_REGISTERED", "MODEL_REGISTERED");
            assertThat(items).extracting(e -> e.get("targetType").asText() + " " + e.get("targetId").asText())
                    .startsWith("use demo-d0-0", "payout 2", "payout 1", "payout 1")
                    .endsWith("model voice-clone", "model story-chat", "model sketch-xl", "model anime-diffusion");
            assertThat(items).extracting(e -> e.get("actor").asText()).containsExactly("admin-1", "admin-1", "admin-1",
                    "admin-1", "service", "service", "admin-1", "admin-1", "admin-1", "admin-1");
            Instant registered = NOW.minus(Duration.ofDays(DemoData.HISTORY_DAYS));
            assertThat(items).extracting(e -> e.get("occurredAt").asText()).containsExactly(NOW.toString(), NOW.toString(),
                    NOW.toString(), NOW.toString(), NOW.toString(), NOW.toString(), registered.toString(),
                    registered.toString(), registered.toString(), registered.toString());
            List<Long> ids = new ArrayList<>();
            items.forEach(e -> ids.add(e.get("id").asLong()));
            assertThat(ids).doesNotHaveDuplicates();
            // A secret setting's value is not shown.
            assertThat(items).filteredOn(e -> e.get("targetId").asText().equals("pseudonym_key")).singleElement()
                    .satisfies(e -> assertThat(e.get("after").get("value").asText()).isEqualTo("(secret, not shown)"));

            // The refund, with the values before and after as JSON objects, amounts as exact strings.
            String r = Demo.money(Demo.use(Demo.uses(NOW), Demo.REFUNDED).earnings());
            JsonNode refund = items.get(0);
            assertThat(refund.get("creatorId").asText()).isEqualTo("ada");
            assertThat(refund.get("reason").asText()).isEqualTo("refunded: the generation failed");
            assertThat(refund.get("before").toString()).isEqualTo("{\"modelId\":\"anime-diffusion\",\"remaining\":\"" + r + "\"}");
            assertThat(refund.get("after").toString()).isEqualTo("{\"modelId\":\"anime-diffusion\",\"correctionId\":"
                    + "\"demo-refund-1\",\"reversed\":\"" + r + "\",\"remaining\":\"0.000000000000\"}");
            assertThat(items.get(6).get("before").isNull()).isTrue();
            assertThat(items.get(6).get("reason").isNull()).isTrue();

            // Each filter, and all of them at once.
            assertThat(audit(fresh, "action=USE_REVERSED").get("items")).containsExactly(refund);
            assertThat(audit(fresh, "action=payout_created").get("items")).containsExactly(items.get(1), items.get(3));
            assertThat(audit(fresh, "actor=service").get("items")).containsExactly(items.get(4), items.get(5));
            assertThat(audit(fresh, "targetType=payout&targetId=1").get("items")).containsExactly(items.get(2), items.get(3));
            assertThat(audit(fresh, "targetType=model").get("totalItems").asLong()).isEqualTo(4);
            assertThat(audit(fresh, "from=" + NOW).get("totalItems").asLong()).isEqualTo(6);
            assertThat(audit(fresh, "to=" + NOW).get("totalItems").asLong()).isEqualTo(4);
            assertThat(audit(fresh, "to=" + registered).get("totalItems").asLong()).isZero();
            assertThat(audit(fresh, "from=" + NOW.plusSeconds(1)).get("totalItems").asLong()).isZero();
            assertThat(audit(fresh, "actor=admin-1&action=MODEL_REGISTERED&targetType=model&targetId=sketch-xl&from="
                    + registered.minus(Duration.ofDays(1)) + "&to=" + NOW.plusSeconds(1)).get("items"))
                    .containsExactly(items.get(8));
            // Empty parameters, as a form's empty fields send them, are no filter.
            assertThat(audit(fresh, "actor=&action=&targetType=&targetId=&from=&to=").get("items")).isEqualTo(items);

            // Pages.
            JsonNode second = audit(fresh, "page=1&size=3");
            assertThat(second.get("page").asInt()).isEqualTo(1);
            assertThat(second.get("size").asInt()).isEqualTo(3);
            assertThat(second.get("totalItems").asLong()).isEqualTo(10);
            assertThat(second.get("totalPages").asLong()).isEqualTo(4);
            assertThat(second.get("items")).containsExactly(items.get(3), items.get(4), items.get(5));
            assertThat(audit(fresh, "page=3&size=3").get("items")).containsExactly(items.get(9));
            assertThat(audit(fresh, "page=4&size=3").get("items")).isEmpty();

            // A change made through the app is there at once, under the admin who made it.
            assertThat(call(fresh, "POST", "/api/admin/reversals", "demo-admin", "{\"eventId\":\"demo-d3-1\","
                    + "\"amount\":\"0.001\",\"correctionId\":\"http-audit-1\",\"reason\":\"partial refund\"}").status())
                    .isEqualTo(200);
            JsonNode newest = audit(fresh, "size=1").get("items").get(0);
            assertThat(newest.get("action").asText()).isEqualTo("USE_REVERSED");
            assertThat(newest.get("actor").asText()).isEqualTo("admin-1");
            assertThat(newest.get("targetId").asText()).isEqualTo("demo-d3-1");
            // The amount as asked, exactly: a string, never a floating-point number.
            assertThat(newest.get("after").get("reversed").isTextual()).isTrue();
            assertThat(new BigDecimal(newest.get("after").get("reversed").asText())).isEqualByComparingTo("0.001");
        } finally {
            fresh.close();
        }
    }

    private JsonNode audit(HostApp on, String query) throws Exception {
        Answer answer = call(on, "GET", "/api/admin/audit-log?" + query, "demo-admin");
        assertThat(answer.status()).as(query).isEqualTo(200);
        return answer.body();
    }

    static Stream<Arguments> badAuditQueries() {
        return Stream.of(
                Arguments.of("action=NOPE", "action"),
                Arguments.of("from=yesterday", "from"),
                Arguments.of("to=2026-03-10", "to"),
                Arguments.of("from=2026-03-10T12:00:01Z&to=2026-03-10T12:00:00Z", "to"),
                Arguments.of("from=2026-03-10T12:00:00Z&to=2026-03-10T12:00:00Z", "to"),
                Arguments.of("targetId=1", "targetId"),
                Arguments.of("actor=%20", "actor"),
                Arguments.of("actor=" + "a".repeat(300), "actor"),
                Arguments.of("page=-1", "page"),
                Arguments.of("page=x", "page"),
                Arguments.of("page=99999999999", "page"),
                Arguments.of("size=0", "pageSize"),
                Arguments.of("size=1001", "pageSize"),
                Arguments.of("size=ten", "size"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badAuditQueries")
    void auditLog_badQuery_isA400NamingTheParameter(String query, String field) throws Exception {
        Answer answer = call("GET", "/api/admin/audit-log?" + query, "demo-admin", null);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().get("field").asText()).isEqualTo(field);
        assertThat(answer.body().get("message").asText()).isNotBlank();
    }

    @Test
    void auditLog_byGetOnly_atItsPathOnly() throws Exception {
        Answer post = call("POST", "/api/admin/audit-log", "demo-admin", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
        assertThat(call("GET", "/api/admin/audit-log/1", "demo-admin", null).status()).isEqualTo(404);
    }

    @Test
    void staticPages_areServed() throws Exception {
        HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("id=\"total-earnings\"", "app.js").doesNotContain("http://", "https://");
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port()
                + "/../pom.xml")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    /**
     * The demo data as the host application documents it (four models, 70 days of batches of
     * {@link DemoData#usesOn} uses each, a burst of sketch-xl's on one day, the latest use refunded,
     * earnings held one full day after the use's day), rated here by the contract's rules: the tier of each model's n-th use, the usage
     * type's multiplier, rounded half-even to 12 places.
     */
    static final class Demo {
        /** The use the demo data reverses wholly: the latest of all, on ada's anime-diffusion. */
        static final String REFUNDED = "demo-d0-0";
        static final int HOLD_DAYS = 1;
        static final String[] TYPES = {"image_generation", "chat", "other"};
        static final String[] MODELS = {"anime-diffusion", "sketch-xl", "story-chat", "voice-clone"};
        static final Map<String, String[]> PRICING = Map.of("anime-diffusion", new String[] {"ada", "0.01", "0.0001"},
                "sketch-xl", new String[] {"ada", "0.005", "0"}, "story-chat", new String[] {"lin", "0.002", "0.00002"},
                "voice-clone", new String[] {"lin", "0.03", "0"});

        record Use(String eventId, String modelId, String creatorId, String userId, long tokens, String type, long ordinal,
                Instant at, BigDecimal earnings) {
            LocalDate day() {
                return LocalDate.ofInstant(at, ZoneOffset.UTC);
            }
        }

        static List<Use> uses(Instant now) {
            List<Use> uses = new ArrayList<>();
            Map<String, Long> counted = new HashMap<>();
            for (int day = DemoData.HISTORY_DAYS - 1; day >= 0; day--) {
                Instant at = now.minus(Duration.ofDays(day));
                int n = DemoData.usesOn(day, LocalDate.ofInstant(at, ZoneOffset.UTC));
                for (int i = 0; i < n; i++) {
                    uses.add(use(counted, "demo-d" + day + "-" + i, MODELS[(i * 7 + day) % (i % 3 == 0 ? 4 : 2)],
                            "user-" + (i * 13 + day) % 40, 200 + (i * 53L) % 300, TYPES[i % 3], at.minus(Duration.ofMinutes(i))));
                }
                if (day == DemoData.SPIKE_DAY) {
                    for (int k = 0; k < DemoData.SPIKE_USES; k++) {
                        uses.add(use(counted, "demo-spike-" + k, DemoData.SPIKE_MODEL, "user-" + k % 40, 0, "image_generation",
                                at.minus(Duration.ofMinutes(n + k))));
                    }
                }
            }
            return uses;
        }

        private static Use use(Map<String, Long> counted, String eventId, String model, String userId, long tokens,
                String type, Instant at) {
            String[] p = PRICING.get(model);
            long n = counted.merge(model, 1L, Long::sum);
            BigDecimal base = new BigDecimal(p[1]).add(new BigDecimal(p[2]).multiply(BigDecimal.valueOf(tokens)));
            BigDecimal typeMultiplier = new BigDecimal(type.equals("image_generation") ? "1" : type.equals("chat") ? "0.8" : "0.6");
            return new Use(eventId, model, p[0], userId, tokens, type, n, at,
                    base.multiply(tierMultiplier(n)).multiply(typeMultiplier).setScale(12, RoundingMode.HALF_EVEN));
        }

        static int tier(long ordinal) {
            return ordinal <= 100 ? 1 : ordinal <= 1_000 ? 2 : ordinal <= 5_000 ? 3 : ordinal <= 10_000 ? 4 : 5;
        }

        static BigDecimal tierMultiplier(long ordinal) {
            return new BigDecimal(new String[] {"1.0", "1.2", "1.5", "2.0", "2.5"}[tier(ordinal) - 1]);
        }

        /** The counted uses after which the tier of the use with this ordinal ends. */
        static long nextThreshold(long ordinal) {
            return new long[] {100, 1_000, 5_000, 10_000}[tier(ordinal) - 1];
        }

        static BigDecimal sum(List<Use> uses) {
            return uses.stream().map(Use::earnings).reduce(BigDecimal.ZERO, BigDecimal::add);
        }

        static Use use(List<Use> uses, String eventId) {
            return uses.stream().filter(u -> u.eventId().equals(eventId)).findFirst().orElseThrow();
        }

        /** What the demo's refund took back of these uses: the refunded use's earnings, if it is among them. */
        static BigDecimal reversed(List<Use> uses) {
            return sum(uses.stream().filter(u -> u.eventId().equals(REFUNDED)).collect(Collectors.toList()));
        }

        /**
         * What these uses earned less the demo's refund. The refund was booked on the day of the
         * use it reversed (both are "now"), so this holds for every period and every day too.
         */
        static BigDecimal net(List<Use> uses) {
            return sum(uses).subtract(reversed(uses));
        }

        /** What is still held of these uses on {@code today}: that day's and the hold's days before, net. */
        static BigDecimal held(List<Use> uses, LocalDate today) {
            return net(uses.stream().filter(u -> !u.day().isBefore(today.minusDays(HOLD_DAYS))).collect(Collectors.toList()));
        }

        static List<Use> of(List<Use> uses, String creatorId) {
            return uses.stream().filter(u -> u.creatorId().equals(creatorId)).collect(Collectors.toList());
        }

        /** An amount as the API writes it: 12 decimal places, plain. */
        static String money(BigDecimal amount) {
            return amount.setScale(12, RoundingMode.HALF_EVEN).toPlainString();
        }
    }
}
