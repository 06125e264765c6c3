package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.earnings.examples.host.HostClient.Answer;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.ReportFilter;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.http.JsonView;
import dev.earnings.testkit.TestClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The example host's insight endpoints over HTTP: each answer is what the library's own call
 * gives for the same arguments, in {@link JsonView}'s form; who may ask; and every bad parameter,
 * refused with a 400 that names it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostAppInsightsHttpTest {
    static final Instant NOW = TestClock.DEFAULT_START;
    static final LocalDate TODAY = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
    static final Caller ADA = Caller.creator("ada");
    static final Caller LIN = Caller.creator("lin");
    static final Caller ADMIN = Caller.admin("admin-1");

    final ObjectMapper json = new ObjectMapper();
    HostApp app;
    HostClient client;
    Earnings earnings;

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        app = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0, line -> { });
        client = new HostClient(app);
        earnings = app.earnings();
    }

    @AfterAll
    void stop() {
        app.close();
    }

    /** A 200's body. */
    JsonNode get(String path, String token) throws Exception {
        Answer answer = client.call("GET", path, token, null);
        assertThat(answer.status()).as(path).isEqualTo(200);
        return answer.body();
    }

    /** The library's answer as the wire carries it: written and read back, as the client reads the app's. */
    JsonNode wire(Object view) throws Exception {
        return json.readTree(json.writeValueAsString(view));
    }

    JsonNode list(String name, List<Map<String, Object>> items) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(name, items);
        return wire(out);
    }

    // ------------------------------------------------------------------ the figures are the library's

    @Test
    void forecast_isTheLibrarysForecast_ofTheCreatorOrOfOneModel_inTheZone() throws Exception {
        ZoneId paris = ZoneId.of("Europe/Paris");
        JsonNode creator = get("/api/insights/forecast?days=30&zone=Europe/Paris", "demo-ada");
        assertThat(creator).isEqualTo(wire(JsonView.forecast(earnings.insights().forecastCreator(ADA, "ada", 30, paris))));
        assertThat(creator.get("zone").asText()).isEqualTo("Europe/Paris");
        assertThat(creator.get("days")).hasSize(30);
        // Ten weeks of history: the forecast is fitted on the whole 56 days it looks back.
        assertThat(creator.get("historyFrom").asText()).isEqualTo(TODAY.minusDays(56).toString());
        assertThat(creator.get("tiers")).extracting(t -> t.get("modelId").asText())
                .containsExactlyInAnyOrder("anime-diffusion", "sketch-xl");
        assertThat(creator.get("earnings").get("expected").isTextual()).isTrue();

        JsonNode model = get("/api/insights/forecast?days=7&modelId=sketch-xl", "demo-ada");
        assertThat(model).isEqualTo(wire(JsonView.forecast(earnings.insights().forecastModel(ADA, "sketch-xl", 7,
                ZoneOffset.UTC))));
        assertThat(model.get("modelId").asText()).isEqualTo("sketch-xl");
        assertThat(model.get("days")).hasSize(7);

        // An admin names the creator, or a model of anyone's.
        JsonNode lin = get("/api/insights/forecast?days=90&zone=America/New_York&creatorId=lin", "demo-admin");
        assertThat(lin).isEqualTo(wire(JsonView.forecast(earnings.insights().forecastCreator(ADMIN, "lin", 90,
                ZoneId.of("America/New_York")))));
        assertThat(get("/api/insights/forecast?days=7&modelId=voice-clone", "demo-admin")).isEqualTo(wire(JsonView.forecast(
                earnings.insights().forecastModel(ADMIN, "voice-clone", 7, ZoneOffset.UTC))));
    }

    @Test
    void compare_isTheLibrarysComparison_ofTheModelsNamed_inTheirOrder() throws Exception {
        JsonNode c = get("/api/insights/compare?models=sketch-xl,anime-diffusion&period=30&zone=Asia/Kolkata", "demo-ada");
        assertThat(c).isEqualTo(wire(JsonView.comparison(earnings.insights().compareModels(ADA, "ada",
                List.of("sketch-xl", "anime-diffusion"), ReportPeriod.lastDays(30).in(ZoneId.of("Asia/Kolkata"))))));
        assertThat(c.get("zone").asText()).isEqualTo("Asia/Kolkata");
        assertThat(c.get("models")).extracting(m -> m.get("modelId").asText()).containsExactly("sketch-xl", "anime-diffusion");
        assertThat(c.get("models").get(0).get("earnings").isTextual()).isTrue();
        assertThat(c.get("models").get(0).get("trend")).hasSize(30);

        JsonNode admin = get("/api/insights/compare?models=story-chat,voice-clone&period=7&creatorId=lin", "demo-admin");
        assertThat(admin).isEqualTo(wire(JsonView.comparison(earnings.insights().compareModels(ADMIN, "lin",
                List.of("story-chat", "voice-clone"), ReportPeriod.lastDays(7)))));
        // An admin sees the standings among the platform's models.
        assertThat(admin.get("models").get(0).get("standings")).isNotEmpty();
    }

    @Test
    void market_isTheLibrarysInsights_anonymizedForCreators() throws Exception {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        JsonNode creator = get("/api/insights/market?period=90&zone=Asia/Tokyo", "demo-lin");
        assertThat(creator).isEqualTo(wire(JsonView.market(earnings.insights().market(LIN,
                ReportPeriod.lastDays(90).in(tokyo)))));
        assertThat(creator.get("anonymized").asBoolean()).isTrue();
        // Two creators are fewer than k (10): a creator sees every bucket withheld.
        assertThat(creator.get("byHour")).hasSize(24).allSatisfy(b -> assertThat(b.get("figures").isNull()).isTrue());
        assertThat(creator.get("byWeekday")).hasSize(7);

        JsonNode admin = get("/api/insights/market", "demo-admin");
        assertThat(admin).isEqualTo(wire(JsonView.market(earnings.insights().market(ADMIN, ReportPeriod.lastDays(30)))));
        assertThat(admin.get("anonymized").asBoolean()).isFalse();
        assertThat(admin.get("byUsageType")).extracting(b -> b.get("key").asText())
                .containsExactlyInAnyOrder("chat", "image_generation", "other");
        assertThat(admin.get("byUsageType")).allSatisfy(b -> assertThat(b.get("figures").get("earnings").isTextual()).isTrue());
    }

    @Test
    void goals_listSetAndDelete_asTheLibraryHasThem() throws Exception {
        // The demo data's goal: ada's, for this month.
        JsonNode ada = get("/api/insights/goals", "demo-ada");
        List<Map<String, Object>> expected = new ArrayList<>();
        earnings.insights().goals(ADA, "ada").forEach(g -> expected.add(JsonView.goal(g)));
        assertThat(ada).isEqualTo(list("goals", expected));
        assertThat(ada.get("goals")).singleElement().satisfies(g -> {
            assertThat(g.get("month").asText()).isEqualTo(YearMonth.from(TODAY).toString());
            assertThat(new BigDecimal(g.get("target").asText())).isEqualByComparingTo(DemoData.GOAL_TARGET);
            assertThat(g.get("reached").asBoolean()).isFalse();
        });

        // lin sets one for December, in Paris's calendar, then an admin replaces it for lin.
        Answer set = client.call("POST", "/api/insights/goals", "demo-lin",
                "{\"month\":\"2026-12\",\"zone\":\"Europe/Paris\",\"target\":\"100.00\"}");
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.body()).isEqualTo(wire(JsonView.goal(earnings.insights().goal(LIN, "lin", YearMonth.of(2026, 12))
                .orElseThrow())));
        assertThat(set.body().get("zone").asText()).isEqualTo("Europe/Paris");
        assertThat(set.body().get("target").asText()).isEqualTo("100.000000000000");
        assertThat(set.body().get("setBy").asText()).isEqualTo("lin");
        Answer replaced = client.call("POST", "/api/insights/goals", "demo-admin",
                "{\"month\":\"2026-12\",\"target\":\"120.5\",\"creatorId\":\"lin\"}");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.body().get("setBy").asText()).isEqualTo("admin-1");
        assertThat(replaced.body().get("zone").asText()).isEqualTo("UTC");
        List<Map<String, Object>> lins = new ArrayList<>();
        earnings.insights().goals(LIN, "lin").forEach(g -> lins.add(JsonView.goal(g)));
        assertThat(get("/api/insights/goals?creatorId=lin", "demo-admin")).isEqualTo(list("goals", lins));

        Answer deleted = client.call("DELETE", "/api/insights/goals/2026-12", "demo-lin", null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body().get("deleted").asBoolean()).isTrue();
        Answer again = client.call("DELETE", "/api/insights/goals/2026-12?creatorId=lin", "demo-admin", null);
        assertThat(again.body().get("deleted").asBoolean()).isFalse();
        assertThat(get("/api/insights/goals", "demo-lin").get("goals")).isEmpty();
    }

    @Test
    void alerts_areTheLibrarysAlerts_theDemoDatasBusyDayAmongThem() throws Exception {
        JsonNode ada = get("/api/insights/alerts?period=30&zone=Europe/Paris", "demo-ada");
        List<Map<String, Object>> expected = new ArrayList<>();
        earnings.insights().alerts(ADA, "ada", ReportPeriod.lastDays(30).in(ZoneId.of("Europe/Paris")))
                .forEach(a -> expected.add(JsonView.alert(a)));
        assertThat(ada).isEqualTo(list("alerts", expected));
        String spikeDay = TODAY.minusDays(DemoData.SPIKE_DAY).toString();
        assertThat(ada.get("alerts")).filteredOn(a -> a.get("day").asText().equals(spikeDay))
                .extracting(a -> a.get("modelId").asText() + " " + a.get("metric").asText() + " " + a.get("direction").asText())
                .containsExactlyInAnyOrder("sketch-xl uses above", "sketch-xl earnings above");
        assertThat(ada.get("alerts").get(0).get("explanation").asText()).isNotBlank();

        List<Map<String, Object>> lins = new ArrayList<>();
        earnings.insights().alerts(ADMIN, "lin", ReportPeriod.lastDays(7)).forEach(a -> lins.add(JsonView.alert(a)));
        assertThat(get("/api/insights/alerts?period=7&creatorId=lin", "demo-admin")).isEqualTo(list("alerts", lins));
    }

    @Test
    void recommendations_areTheLibrarys_adasModelsCloseToTheirNextTier() throws Exception {
        JsonNode ada = get("/api/insights/recommendations", "demo-ada");
        List<Map<String, Object>> expected = new ArrayList<>();
        earnings.insights().recommendations(ADA, "ada").forEach(r -> expected.add(JsonView.recommendation(r)));
        assertThat(ada).isEqualTo(list("recommendations", expected));
        assertThat(ada.get("recommendations")).extracting(r -> r.get("kind").asText() + " " + r.get("modelId").asText())
                .containsExactly("NEXT_TIER_CLOSE anime-diffusion", "NEXT_TIER_CLOSE sketch-xl");
        List<Map<String, Object>> lins = new ArrayList<>();
        earnings.insights().recommendations(ADMIN, "lin").forEach(r -> lins.add(JsonView.recommendation(r)));
        assertThat(get("/api/insights/recommendations?creatorId=lin", "demo-admin")).isEqualTo(list("recommendations", lins));
    }

    @Test
    void check_raisesADaysAlertsOnce_forAdminsOnly() throws Exception {
        // Checked at load: nothing new.
        Answer yesterday = client.call("POST", "/api/admin/insights/check", "demo-admin",
                "{\"day\":\"" + TODAY.minusDays(1) + "\"}");
        assertThat(yesterday.status()).isEqualTo(200);
        assertThat(yesterday.body()).isEqualTo(wire(Map.of("alerts", List.of())));
        // A day not checked before, once and then again.
        String day = TODAY.minusDays(20).toString();
        Answer first = client.call("POST", "/api/admin/insights/check", "demo-admin", "{\"day\":\"" + day + "\"}");
        assertThat(first.status()).isEqualTo(200);
        List<Map<String, Object>> stored = new ArrayList<>();
        earnings.insights().alerts(ADMIN, "ada", ReportPeriod.between(TODAY.minusDays(20), TODAY.minusDays(19)))
                .forEach(a -> stored.add(JsonView.alert(a)));
        earnings.insights().alerts(ADMIN, "lin", ReportPeriod.between(TODAY.minusDays(20), TODAY.minusDays(19)))
                .forEach(a -> stored.add(JsonView.alert(a)));
        assertThat(first.body().get("alerts")).containsExactlyInAnyOrderElementsOf(list("alerts", stored).get("alerts"));
        Answer second = client.call("POST", "/api/admin/insights/check", "demo-admin", "{\"day\":\"" + day + "\"}");
        assertThat(second.body().get("alerts")).isEmpty();

        Answer creator = client.call("POST", "/api/admin/insights/check", "demo-ada", "{\"day\":\"" + day + "\"}");
        assertThat(creator.status()).isEqualTo(403);
        assertThat(creator.body().get("field").asText()).isEqualTo("authorization");
    }

    @Test
    void creatorAnalytics_takesAZoneAndFilters_asTheLibrarysDashboard() throws Exception {
        JsonNode d = get("/api/creator-analytics?period=7&zone=Pacific/Auckland&usageType=chat,other&models=anime-diffusion",
                "demo-ada");
        DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(7)).limits(10, 10, 10)
                .in(ZoneId.of("Pacific/Auckland")).filter(new ReportFilter(Set.of("anime-diffusion"), Set.of("chat", "other")));
        ObjectNode expected = (ObjectNode) wire(JsonView.dashboard(earnings.analytics().creatorDashboard(ADA, "ada", query)));
        expected.set("modelIds", json.valueToTree(List.of("anime-diffusion", "sketch-xl")));
        assertThat(d).isEqualTo(expected);
        assertThat(d.get("zone").asText()).isEqualTo("Pacific/Auckland");
        // Auckland is half a day ahead of UTC noon: its today is the next day.
        assertThat(d.get("to").asText()).isEqualTo(TODAY.plusDays(2).toString());
        assertThat(d.get("recentActivity")).allSatisfy(a -> {
            assertThat(a.get("modelId").asText()).isEqualTo("anime-diffusion");
            assertThat(a.get("usageType").asText()).isIn("chat", "other");
        });
        // Without the parameters: UTC and every use, as before.
        assertThat(get("/api/creator-analytics?period=7", "demo-ada").get("zone").asText()).isEqualTo("UTC");
    }

    // ------------------------------------------------------------------ who may ask

    static Stream<String> readPaths() {
        return Stream.of("/api/insights/forecast?days=7", "/api/insights/compare?models=story-chat,voice-clone",
                "/api/insights/market", "/api/insights/goals", "/api/insights/alerts", "/api/insights/recommendations");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readPaths")
    void everyInsight_isForSignedInCreatorsAndAdmins_aCreatorsOwnOnly(String path) throws Exception {
        Answer anonymous = client.call("GET", path, null, null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(client.call("GET", path, "forged", null).status()).isEqualTo(401);
        Answer user = client.call("GET", path, "demo-user", null);
        assertThat(user.status()).isEqualTo(403);
        assertThat(user.body().get("field").asText()).isEqualTo("authorization");
        assertThat(client.call("GET", path, "demo-backend", null).status()).isEqualTo(403);
        if (!path.startsWith("/api/insights/market")) {
            // lin's own data, with lin's models; ada asking for it is refused by the library.
            String lins = path + (path.contains("?") ? "&" : "?") + "creatorId=lin";
            assertThat(client.call("GET", lins, "demo-lin", null).status()).as(lins).isEqualTo(200);
            Answer other = client.call("GET", lins, "demo-ada", null);
            assertThat(other.status()).as(lins).isEqualTo(403);
            assertThat(other.body().get("field").asText()).isEqualTo("caller");
            assertThat(client.call("GET", lins, "demo-admin", null).status()).as(lins).isEqualTo(200);
        }
    }

    @Test
    void aCreator_mayNotForecastCompareOrSetTheGoalsOfAnothersModels() throws Exception {
        assertThat(client.call("GET", "/api/insights/forecast?days=7&modelId=story-chat", "demo-ada", null).status())
                .isEqualTo(403);
        assertThat(client.call("GET", "/api/insights/compare?models=anime-diffusion,story-chat", "demo-ada", null).status())
                .isEqualTo(403);
        assertThat(client.call("POST", "/api/insights/goals", "demo-ada",
                "{\"month\":\"2026-12\",\"target\":\"1\",\"creatorId\":\"lin\"}").status()).isEqualTo(403);
        assertThat(client.call("DELETE", "/api/insights/goals/2026-03?creatorId=ada", "demo-lin", null).status())
                .isEqualTo(403);
        assertThat(client.call("GET", "/api/creator-analytics?creatorId=lin&zone=Europe/Paris", "demo-ada", null).status())
                .isEqualTo(403);
        assertThat(client.call("POST", "/api/insights/goals", null, "{\"month\":\"2026-12\",\"target\":\"1\"}").status())
                .isEqualTo(401);
        assertThat(client.call("POST", "/api/admin/insights/check", null, "{\"day\":\"2026-03-01\"}").status())
                .isEqualTo(401);
    }

    // ------------------------------------------------------------------ bad parameters

    static Stream<Arguments> badReads() {
        return Stream.of(
                Arguments.of("/api/creator-analytics?zone=Mars/Olympus", "demo-ada", "zone"),
                Arguments.of("/api/creator-analytics?usageType=video", "demo-ada", "usageType"),
                Arguments.of("/api/creator-analytics?models=" + "%20x".repeat(1) + ",bad%01id", "demo-ada", "models"),
                Arguments.of("/api/creator-analytics?period=12", "demo-ada", "period"),
                Arguments.of("/api/insights/forecast?days=14", "demo-ada", "days"),
                Arguments.of("/api/insights/forecast?days=x", "demo-ada", "days"),
                Arguments.of("/api/insights/forecast?days=7&zone=Not/AZone", "demo-ada", "zone"),
                Arguments.of("/api/insights/forecast?days=7", "demo-admin", "creatorId"),
                Arguments.of("/api/insights/compare?period=30", "demo-ada", "models"),
                Arguments.of("/api/insights/compare?models=anime-diffusion", "demo-ada", "models"),
                Arguments.of("/api/insights/compare?models=anime-diffusion,sketch-xl&period=31", "demo-ada", "period"),
                Arguments.of("/api/insights/compare?models=anime-diffusion,sketch-xl&zone=x", "demo-ada", "zone"),
                Arguments.of("/api/insights/compare?models=story-chat,voice-clone", "demo-admin", "creatorId"),
                Arguments.of("/api/insights/market?period=0", "demo-ada", "period"),
                Arguments.of("/api/insights/market?zone=+99:00", "demo-ada", "zone"),
                Arguments.of("/api/insights/alerts?period=8", "demo-ada", "period"),
                Arguments.of("/api/insights/alerts?zone=Utopia", "demo-ada", "zone"),
                Arguments.of("/api/insights/goals", "demo-admin", "creatorId"),
                Arguments.of("/api/insights/recommendations", "demo-admin", "creatorId"));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("badReads")
    void aBadParameter_isA400NamingIt(String path, String token, String field) throws Exception {
        Answer answer = client.call("GET", path, token, null);
        assertThat(answer.status()).as(path).isEqualTo(400);
        assertThat(answer.body().get("field").asText()).as(path).isEqualTo(field);
        assertThat(answer.body().get("message").asText()).isNotBlank();
    }

    static Stream<Arguments> badWrites() {
        return Stream.of(
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-13\",\"target\":\"1\"}", "month"),
                Arguments.of("POST", "/api/insights/goals", "{\"target\":\"1\"}", "month"),
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-12\"}", "target"),
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-12\",\"target\":1.5}", "target"),
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-12\",\"target\":\"0\"}", "target"),
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-12\",\"target\":\"1\",\"zone\":\"Nowhere\"}",
                        "zone"),
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-12\",\"target\":\"1\",\"amount\":\"1\"}",
                        "amount"),
                Arguments.of("POST", "/api/insights/goals", "{\"month\":\"2026-12\",", "body"),
                Arguments.of("DELETE", "/api/insights/goals/December", null, "month"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("badWrites")
    void aBadGoal_isA400NamingTheField(String method, String path, String body, String field) throws Exception {
        Answer answer = client.call(method, path, "demo-ada", body);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().get("field").asText()).isEqualTo(field);
    }

    @Test
    void aBadCheck_isA400NamingTheDay() throws Exception {
        for (String body : List.of("{\"day\":\"yesterday\"}", "{\"day\":\"" + TODAY + "\"}", "{}", "{\"day\":\"2026-03-01\",\"x\":1}")) {
            Answer answer = client.call("POST", "/api/admin/insights/check", "demo-admin", body);
            assertThat(answer.status()).as(body).isEqualTo(400);
            assertThat(answer.body().get("field").asText()).as(body).isEqualTo(body.contains("\"x\"") ? "x" : "day");
        }
    }

    @Test
    void goals_takeTheirMethodsAtTheirPathsOnly() throws Exception {
        Answer delete = client.call("DELETE", "/api/insights/goals", "demo-ada", null);
        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.header("Allow")).isEqualTo("GET, POST");
        Answer get = client.call("GET", "/api/insights/goals/2026-12", "demo-ada", null);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.header("Allow")).isEqualTo("DELETE");
        assertThat(client.call("DELETE", "/api/insights/goals/2026-12/x", "demo-ada", null).status()).isEqualTo(404);
        Answer put = client.call("PUT", "/api/insights/goals", "demo-ada", "{}");
        assertThat(put.status()).isEqualTo(405);
        assertThat(client.call("POST", "/api/insights/forecast", "demo-ada", "{}").status()).isEqualTo(405);
        assertThat(client.call("GET", "/api/insights/forecast/x", "demo-ada", null).status()).isEqualTo(404);
    }
}
