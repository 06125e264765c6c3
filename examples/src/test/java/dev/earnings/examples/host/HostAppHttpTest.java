package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.earnings.testkit.TestClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
    HostApp app;
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    /** A response: status and parsed JSON body. */
    record Answer(int status, JsonNode body) {
    }

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        app = HostApp.start(directory.resolve("db"), TestClock.at(TestClock.DEFAULT_START), 0);
    }

    @AfterAll
    void stop() {
        app.close();
    }

    Answer call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
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
        assertThat(new BigDecimal(first.body().get("earnings").asText())).isPositive();
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
    void creatorAnalytics_showsTheSignedInCreatorsFigures() throws Exception {
        Answer ada = call("GET", "/api/creator-analytics?period=30", "demo-ada", null);
        assertThat(ada.status()).isEqualTo(200);
        assertThat(ada.body().get("creatorId").asText()).isEqualTo("ada");
        BigDecimal trend = BigDecimal.ZERO;
        long uses = 0;
        for (JsonNode point : ada.body().get("trend")) {
            trend = trend.add(new BigDecimal(point.get("earnings").asText()));
            uses += point.get("uses").asLong();
        }
        assertThat(new BigDecimal(ada.body().get("totalEarnings").asText())).isEqualByComparingTo(trend);
        assertThat(ada.body().get("totalUsage").asLong()).isEqualTo(uses);
        assertThat(ada.body().get("trend")).hasSize(30);
        for (JsonNode m : ada.body().get("models")) {
            assertThat(m.get("modelId").asText()).isIn("anime-diffusion", "sketch-xl");
        }
        for (JsonNode a : ada.body().get("recentActivity")) {
            assertThat(a.get("user").asText()).startsWith("anon-");
        }
        Answer filtered = call("GET", "/api/creator-analytics?period=7&modelId=sketch-xl", "demo-ada", null);
        assertThat(filtered.body().get("modelId").asText()).isEqualTo("sketch-xl");
        assertThat(filtered.body().get("activeModels").asLong()).isLessThanOrEqualTo(1);
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
        assertThat(dry.body().get("items").toString()).contains("WOULD_CREATE");
        Answer creators = call("GET", "/api/admin/creators?period=30", "demo-admin", null);
        assertThat(creators.body().get("items").toString()).contains("\"creatorId\":\"ada\"", "\"creatorId\":\"lin\"");
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
}
