package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    /** A response: status and parsed JSON body. */
    record Answer(int status, JsonNode body) {
    }

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        app = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0);
    }

    @AfterAll
    void stop() {
        app.close();
    }

    Answer call(String method, String path, String token, String body) throws Exception {
        return call(app, method, path, token, body);
    }

    Answer call(HostApp on, String method, String path, String token) throws Exception {
        return call(on, method, path, token, null);
    }

    Answer call(HostApp on, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : json.readTree(response.body()));
    }

    Answer track(String token, String body) throws Exception {
        return call("POST", "/api/track-model-usage", token, body);
    }

    @Test
    void track_recordsTheUseAndAnswersTheExplainedResult_andReplaysByEventId() throws Exception {
        String body = "{\"modelId\":\"voice-clone\",\"tokensConsumed\":0,\"usageType\":\"other\","
                + "\"metadata\":{\"prompt\":\"hello\"},\"eventId\":\"http-1\"}";
        Answer first = track("demo-user", body);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("eventId").asText()).isEqualTo("http-1");
        assertThat(first.body().get("replayed").asBoolean()).isFalse();
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

        Answer again = track("demo-user", body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("replayed").asBoolean()).isTrue();
        assertThat(again.body().get("useOrdinal")).isEqualTo(first.body().get("useOrdinal"));
        assertThat(again.body().get("earnings")).isEqualTo(first.body().get("earnings"));

        Answer conflict = track("demo-user", body.replace("\"tokensConsumed\":0", "\"tokensConsumed\":5"));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.body().get("field").asText()).isEqualTo("tokensConsumed");
    }

    static Stream<Arguments> badTracks() {
        String ok = "\"modelId\":\"anime-diffusion\",\"tokensConsumed\":5,\"usageType\":\"chat\"";
        return Stream.of(
                Arguments.of("malformed JSON", "demo-user", "{\"modelId\":", 400, "body"),
                Arguments.of("not an object", "demo-user", "[1,2]", 400, "body"),
                Arguments.of("missing modelId", "demo-user", "{\"tokensConsumed\":5,\"usageType\":\"chat\"}", 400, "modelId"),
                Arguments.of("unknown model", "demo-user", "{" + ok.replace("anime-diffusion", "no-such-model") + "}", 404, "modelId"),
                Arguments.of("negative tokens", "demo-user", "{" + ok.replace("5", "-1") + "}", 400, "tokensConsumed"),
                Arguments.of("fractional tokens", "demo-user", "{" + ok.replace("5", "1.5") + "}", 400, "tokensConsumed"),
                Arguments.of("tokens as text", "demo-user", "{" + ok.replace("5", "\"5\"") + "}", 400, "tokensConsumed"),
                Arguments.of("missing tokens", "demo-user", "{\"modelId\":\"anime-diffusion\",\"usageType\":\"chat\"}", 400, "tokensConsumed"),
                Arguments.of("unknown usage type", "demo-user", "{" + ok.replace("chat", "video") + "}", 400, "usageType"),
                Arguments.of("missing usage type", "demo-user", "{\"modelId\":\"anime-diffusion\",\"tokensConsumed\":5}", 400, "usageType"),
                Arguments.of("metadata not an object", "demo-user", "{" + ok + ",\"metadata\":[1]}", 400, "metadata"),
                Arguments.of("metadata too big", "demo-user", "{" + ok + ",\"metadata\":{\"notes\":\"" + "x".repeat(9000) + "\"}}",
                        400, "metadata"),
                Arguments.of("blank eventId", "demo-user", "{" + ok + ",\"eventId\":\" \"}", 400, "eventId"),
                Arguments.of("no token", null, "{" + ok + "}", 401, "authorization"),
                Arguments.of("unknown token", "forged", "{" + ok + "}", 401, "authorization"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTracks")
    void track_badInput_isA4xxNamingTheField(String name, String token, String body, int status, String field) throws Exception {
        Answer answer = track(token, body);
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body().get("field").asText()).isEqualTo(field);
        assertThat(answer.body().get("message").asText()).isNotBlank();
    }

    @Test
    void track_withTheWrongMethod_is405() throws Exception {
        assertThat(call("GET", "/api/track-model-usage", "demo-user", null).status()).isEqualTo(405);
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
            for (String creator : List.of("ada", "lin")) {
                JsonNode d = call(fresh, "GET", "/api/creator-analytics?period=30", "demo-" + creator).body();
                List<Demo.Use> mine = uses.stream().filter(u -> u.creatorId().equals(creator)).collect(Collectors.toList());
                List<Demo.Use> period = mine.stream().filter(u -> !u.day().isBefore(today.minusDays(29)))
                        .collect(Collectors.toList());
                List<Demo.Use> previous = mine.stream().filter(u -> u.day().isBefore(today.minusDays(29))
                        && !u.day().isBefore(today.minusDays(59))).collect(Collectors.toList());
                BigDecimal total = Demo.sum(period);
                BigDecimal before = Demo.sum(previous);
                BigDecimal lifetime = Demo.sum(mine);
                assertThat(d.get("creatorId").asText()).isEqualTo(creator);
                assertThat(d.get("from").asText()).isEqualTo(today.minusDays(29).toString());
                assertThat(d.get("to").asText()).isEqualTo(today.plusDays(1).toString());
                assertThat(d.get("totalEarnings").asText()).as(creator).isEqualTo(Demo.money(total));
                assertThat(d.get("lifetimeEarnings").asText()).as(creator).isEqualTo(Demo.money(lifetime));
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

                // Models by period earnings; tiers from their lifetime counted uses.
                Map<String, List<Demo.Use>> byModel = period.stream().collect(Collectors.groupingBy(Demo.Use::modelId));
                List<String> order = byModel.keySet().stream().sorted(Comparator.comparing(
                        (String m) -> Demo.sum(byModel.get(m))).reversed()).collect(Collectors.toList());
                assertThat(d.get("models")).extracting(m -> m.get("modelId").asText()).containsExactlyElementsOf(order);
                for (JsonNode m : d.get("models")) {
                    String modelId = m.get("modelId").asText();
                    long counted = mine.stream().filter(u -> u.modelId().equals(modelId)).count();
                    assertThat(m.get("uses").asLong()).isEqualTo(byModel.get(modelId).size());
                    assertThat(m.get("earnings").asText()).isEqualTo(Demo.money(Demo.sum(byModel.get(modelId))));
                    assertThat(m.get("tier").asInt()).as(modelId).isEqualTo(Demo.tier(counted + 1));
                    assertThat(new BigDecimal(m.get("multiplier").asText())).isEqualByComparingTo(Demo.tierMultiplier(counted + 1));
                    assertThat(m.get("usesToNextTier").asLong()).isEqualTo(Demo.nextThreshold(counted + 1) - counted);
                }

                // The trend: thirty days, each the sum of its uses.
                List<String> days = new ArrayList<>();
                List<String> earnings = new ArrayList<>();
                List<Long> counts = new ArrayList<>();
                for (LocalDate day = today.minusDays(29); !day.isAfter(today); day = day.plusDays(1)) {
                    LocalDate on = day;
                    List<Demo.Use> ofDay = period.stream().filter(u -> u.day().equals(on)).collect(Collectors.toList());
                    days.add(day.toString());
                    earnings.add(Demo.money(Demo.sum(ofDay)));
                    counts.add((long) ofDay.size());
                }
                assertThat(d.get("trend")).extracting(p -> p.get("day").asText()).containsExactlyElementsOf(days);
                assertThat(d.get("trend")).extracting(p -> p.get("earnings").asText()).containsExactlyElementsOf(earnings);
                assertThat(d.get("trend")).extracting(p -> p.get("uses").asLong()).containsExactlyElementsOf(counts);

                // The ten latest uses, newest first, with one pseudonym per user.
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
                    assertThat(a.get("user").asText()).matches("anon-[0-9a-f]{12}");
                    assertThat(pseudonyms.computeIfAbsent(u.userId(), k -> a.get("user").asText()))
                            .isEqualTo(a.get("user").asText());
                }
                assertThat(new HashSet<>(pseudonyms.values())).hasSameSizeAs(pseudonyms.keySet());

                // The balance, after the demo payouts.
                BigDecimal available = lifetime.subtract(BigDecimal.valueOf(paidOut.get(creator) + pending.get(creator), 2));
                JsonNode balance = d.get("balance");
                assertThat(balance.get("earned").asText()).isEqualTo(Demo.money(lifetime));
                assertThat(balance.get("paidOut").asText()).isEqualTo(Demo.money(BigDecimal.valueOf(paidOut.get(creator), 2)));
                assertThat(balance.get("pending").asText()).isEqualTo(Demo.money(BigDecimal.valueOf(pending.get(creator), 2)));
                assertThat(balance.get("available").asText()).isEqualTo(Demo.money(available));
                assertThat(balance.get("availableMinor").asLong())
                        .isEqualTo(available.movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact());
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
            assertThat(sketch.get("trend")).hasSize(7);

            // The platform and the creators, as an admin sees them.
            List<Demo.Use> month = uses.stream().filter(u -> !u.day().isBefore(today.minusDays(29))).collect(Collectors.toList());
            JsonNode totals = call(fresh, "GET", "/api/admin/totals?period=30", "demo-admin").body();
            assertThat(totals.get("earnings").asText()).isEqualTo(Demo.money(Demo.sum(month)));
            assertThat(totals.get("uses").asLong()).isEqualTo(month.size());
            assertThat(totals.get("creatorsWithUsage").asLong()).isEqualTo(2);
            assertThat(totals.get("modelsWithUsage").asLong()).isEqualTo(month.stream().map(Demo.Use::modelId).distinct().count());
            assertThat(totals.get("newModels").asLong()).isEqualTo(4);
            JsonNode creators = call(fresh, "GET", "/api/admin/creators?period=30", "demo-admin").body();
            assertThat(creators.get("totalItems").asLong()).isEqualTo(2);
            List<String> byLifetime = List.of("ada", "lin").stream().sorted(Comparator.comparing((String c) -> Demo.sum(
                    uses.stream().filter(u -> u.creatorId().equals(c)).collect(Collectors.toList()))).reversed())
                    .collect(Collectors.toList());
            assertThat(creators.get("items")).extracting(c -> c.get("creatorId").asText()).containsExactlyElementsOf(byLifetime);
            for (JsonNode c : creators.get("items")) {
                String creator = c.get("creatorId").asText();
                List<Demo.Use> all = uses.stream().filter(u -> u.creatorId().equals(creator)).collect(Collectors.toList());
                List<Demo.Use> inMonth = month.stream().filter(u -> u.creatorId().equals(creator)).collect(Collectors.toList());
                assertThat(c.get("lifetimeEarnings").asText()).isEqualTo(Demo.money(Demo.sum(all)));
                assertThat(c.get("periodEarnings").asText()).isEqualTo(Demo.money(Demo.sum(inMonth)));
                assertThat(c.get("periodUses").asLong()).isEqualTo(inMonth.size());
                assertThat(c.get("models").asLong()).isEqualTo(2);
                assertThat(c.get("balance").get("availableMinor").asLong()).isEqualTo(Demo.sum(all)
                        .subtract(BigDecimal.valueOf(paidOut.get(creator) + pending.get(creator), 2))
                        .movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact());
            }
        } finally {
            fresh.close();
        }
    }

    static Stream<Arguments> accessMatrix() {
        return Stream.of(
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
                Arguments.of("POST", "/api/admin/payouts/bulk", null, 401));
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @MethodSource("accessMatrix")
    void accessMatrix_answersAsTheRulesSay(String method, String path, String token, int status) throws Exception {
        Answer answer = call(method, path, token, method.equals("POST") ? "{\"thresholdMinor\":1,\"batchReference\":\"b\"}" : null);
        assertThat(answer.status()).isEqualTo(status);
        if (status == 403) {
            assertThat(answer.body().toString()).doesNotContain("totalEarnings", "anime-diffusion", "story-chat");
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
        // ada has earned the demo data's figure and been paid $5.00 (demo) and $1.00 (above); the
        // cancelled payout released its dollar. lin's balance is whatever the creators view shows.
        BigDecimal adaEarned = Demo.sum(Demo.uses(NOW).stream().filter(u -> u.creatorId().equals("ada"))
                .collect(Collectors.toList()));
        long adaAvailable = adaEarned.subtract(new BigDecimal("6.00")).movePointRight(2).setScale(0, RoundingMode.DOWN)
                .longValueExact();
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
     * The demo data as the host application documents it (four models, 31 days of batches of
     * 20 + 2 x (30 - day) uses each), rated here by the contract's rules: the tier of each model's
     * n-th use, the usage type's multiplier, rounded half-even to 12 places.
     */
    static final class Demo {
        static final String[] TYPES = {"image_generation", "chat", "other"};
        static final String[] MODELS = {"anime-diffusion", "sketch-xl", "story-chat", "voice-clone"};
        static final Map<String, String[]> PRICING = Map.of("anime-diffusion", new String[] {"ada", "0.01", "0.0001"},
                "sketch-xl", new String[] {"ada", "0.005", "0"}, "story-chat", new String[] {"lin", "0.002", "0.00002"},
                "voice-clone", new String[] {"lin", "0.03", "0"});

        record Use(String modelId, String creatorId, String userId, long tokens, String type, long ordinal, Instant at,
                BigDecimal earnings) {
            LocalDate day() {
                return LocalDate.ofInstant(at, ZoneOffset.UTC);
            }
        }

        static List<Use> uses(Instant now) {
            List<Use> uses = new ArrayList<>();
            Map<String, Long> counted = new HashMap<>();
            for (int day = 30; day >= 0; day--) {
                for (int i = 0; i < 20 + (30 - day) * 2; i++) {
                    String model = MODELS[(i * 7 + day) % (i % 3 == 0 ? 4 : 2)];
                    String[] p = PRICING.get(model);
                    long tokens = (i * 37L) % 800;
                    String type = TYPES[i % 3];
                    long n = counted.merge(model, 1L, Long::sum);
                    BigDecimal base = new BigDecimal(p[1]).add(new BigDecimal(p[2]).multiply(BigDecimal.valueOf(tokens)));
                    BigDecimal typeMultiplier = new BigDecimal(type.equals("image_generation") ? "1" : type.equals("chat")
                            ? "0.8" : "0.6");
                    uses.add(new Use(model, p[0], "user-" + (i * 13 + day) % 40, tokens, type, n,
                            now.minus(Duration.ofDays(day)).minus(Duration.ofMinutes(i)),
                            base.multiply(tierMultiplier(n)).multiply(typeMultiplier).setScale(12, RoundingMode.HALF_EVEN)));
                }
            }
            return uses;
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

        /** An amount as the API writes it: 12 decimal places, plain. */
        static String money(BigDecimal amount) {
            return amount.setScale(12, RoundingMode.HALF_EVEN).toPlainString();
        }
    }
}
