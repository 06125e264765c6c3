package dev.earnings.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.earnings.examples.host.SecurityHeaders;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Who may do what in the Spring Boot example, over HTTP: the demo tokens sign in as the example
 * host's do, each role reaches what it should and no more, refusals are problem details, the
 * pages are public and carry the host's browser headers, and nothing makes a session.
 */
@SpringBootTest(classes = SpringHostApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SpringHostAppSecurityTest {
    @TempDir
    static Path directory;

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final ObjectMapper json = new ObjectMapper();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("earnings.embedded-directory", () -> directory.resolve("db").toString());
    }

    @Test
    void noToken_isAnswered401_asAProblem_andAWrongTokenLikewise() throws Exception {
        HttpResponse<String> none = get("/api/creator-analytics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(none.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(json.readTree(none.body()).get("detail").asText()).contains("Authorization: Bearer");

        for (String header : new String[] {"Bearer demo-adminx", "Bearer ", "Basic ZGVtby1hZGE6", "demo-ada"}) {
            HttpResponse<String> wrong = send(request("/api/creator-analytics").header("Authorization", header).GET());
            assertThat(wrong.statusCode()).as(header).isEqualTo(401);
            assertThat(wrong.headers().firstValue("WWW-Authenticate")).contains("Bearer error=\"invalid_token\"");
            assertThat(json.readTree(wrong.body()).get("detail").asText()).isEqualTo("the token is not valid");
        }
    }

    @Test
    void creators_readTheirOwnAnalytics_andAnAdminAnyones_butAnEndUserNone() throws Exception {
        JsonNode ada = json.readTree(ok(get("/api/creator-analytics?period=30", "demo-ada")).body());
        assertThat(ada.get("creatorId").asText()).isEqualTo("ada");
        assertThat(ada.get("totalUsage").asLong()).isPositive();
        assertThat(ada.get("balance").get("held").asText()).isNotEqualTo("0");

        // The starter's resolver took the principal's name as the creator: another's data is refused.
        HttpResponse<String> others = get("/api/creator-analytics?creatorId=lin", "demo-ada");
        assertThat(others.statusCode()).isEqualTo(403);
        assertThat(json.readTree(ok(get("/api/creator-analytics?creatorId=lin", "demo-admin")).body())
                .get("creatorId").asText()).isEqualTo("lin");

        HttpResponse<String> user = get("/api/creator-analytics", "demo-user");
        assertThat(user.statusCode()).isEqualTo(403);
        assertThat(json.readTree(user.body()).get("detail").asText()).contains("creators and admins");
    }

    @Test
    void adminEndpoints_areForAdminsAlone() throws Exception {
        for (String token : new String[] {"demo-ada", "demo-user", "demo-backend"}) {
            assertThat(get("/api/admin/totals", token).statusCode()).as(token).isEqualTo(403);
        }
        // The webhook endpoints are the example host's alone: the admin page hides its section on this 404.
        assertThat(get("/api/admin/webhooks/deliveries", "demo-admin").statusCode()).isEqualTo(404);
    }

    @Test
    void onlyTheBackend_recordsUses() throws Exception {
        String use = "{\"userId\":\"user-42\",\"modelId\":\"story-chat\",\"usageType\":\"chat\",\"tokensConsumed\":120,"
                + "\"eventId\":\"security-test-1\"}";
        HttpResponse<String> creator = send(request("/api/track-model-usage").header("Authorization", "Bearer demo-lin")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(use)));
        assertThat(creator.statusCode()).isEqualTo(403);
        assertThat(json.readTree(creator.body()).get("detail").asText()).contains("service credential");

        HttpResponse<String> backend = ok(send(request("/api/track-model-usage").header("Authorization", "Bearer demo-backend")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(use))));
        JsonNode recorded = json.readTree(backend.body());
        assertThat(recorded.get("eventId").asText()).isEqualTo("security-test-1");
        // story-chat: 0.002 a use and 0.00002 a token, for 120 tokens, before the multipliers.
        assertThat(new BigDecimal(recorded.get("base").asText())).isEqualByComparingTo("0.0044");
        assertThat(recorded.get("replayed").asBoolean()).isFalse();
    }

    @Test
    void pages_arePublic_withTheHostsHeaders_andNoSession() throws Exception {
        for (String page : new String[] {"/", "/admin.html", "/app.js", "/app.css"}) {
            HttpResponse<String> answer = ok(get(page, null));
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(page)
                    .contains(SecurityHeaders.CONTENT_SECURITY_POLICY);
            assertThat(answer.headers().firstValue("X-Frame-Options")).as(page).contains("DENY");
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(page).contains("nosniff");
            assertThat(answer.headers().firstValue("Referrer-Policy")).as(page).contains("no-referrer");
            assertThat(answer.headers().firstValue("Set-Cookie")).as(page).isEmpty();
        }
        assertThat(ok(get("/", null)).body()).contains("<title>Creator dashboard</title>");
        assertThat(ok(get("/admin.html", null)).body()).contains("<title>Earnings admin</title>");
        assertThat(get("/api/creator-analytics", "demo-ada").headers().firstValue("Set-Cookie")).isEmpty();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> get(String path, @Nullable String token) throws Exception {
        HttpRequest.Builder request = request(path).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(200);
        return response;
    }
}
