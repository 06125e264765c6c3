package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.JsonPath;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialects;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.UsageRequest;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document in the jar against the endpoints: it describes exactly the operations the
 * controllers map, it is valid OpenAPI 3.1, and the endpoints' real answers on H2, each endpoint's
 * 200 and its refusals, match the schemas it documents for their status, with the OpenAPI 3.1
 * schema dialect and formats asserted.
 */
class OpenApiDocumentTest {
    private static final String DOCUMENT = "dev/earnings/spring/openapi.yaml";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "oa-model";
    private static final String MODEL_B = "oa-model-b";
    private static final String MODEL_2 = "oa-model-2";
    private static final String CREATOR = "creator-a";
    private static final String OTHER = "creator-b";
    private static final String ADMIN = "admin-1";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsWebAutoConfiguration.class,
                    JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class))
            .withPropertyValues("earnings.web.enabled=true");

    @Test
    void theDocumentedOperationsAreExactlyTheControllersMappings_withTheirMediaTypes() {
        Map<String, Object> document = document();
        Set<String> documented = new TreeSet<>();
        map(document, "paths").forEach((path, item) -> map(item).forEach((method, operation) -> {
            if (HTTP_METHODS.contains(method)) {
                Map<String, Object> body = map(resolve(document, map(operation).get("requestBody")));
                Map<String, Object> ok = map(resolve(document, map(map(operation), "responses").get("200")));
                documented.add(method.toUpperCase(Locale.ROOT) + " " + path + " consumes " + new TreeSet<>(map(body, "content").keySet())
                        + " produces " + new TreeSet<>(map(ok, "content").keySet()));
            }
        }));

        Set<String> mapped = new TreeSet<>();
        JdbcDataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2)
                .run(context -> context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class)
                        .getHandlerMethods().forEach((info, handler) -> {
                            if (handler.getBeanType() == EarningsController.class || handler.getBeanType() == EarningsAdminController.class
                                    || handler.getBeanType() == EarningsInsightsController.class) {
                                // A body's Content-Type is checked by EarningsRequests (a 415 problem naming
                                // it), not by the mapping: every POST takes application/json, no GET a body.
                                assertThat(info.getConsumesCondition().getConsumableMediaTypes()).isEmpty();
                                info.getMethodsCondition().getMethods().forEach(method -> info.getPatternValues()
                                        .forEach(path -> mapped.add(method.name() + " " + path + " consumes "
                                                + (method.name().equals("POST") ? "[application/json]" : "[]") + " produces "
                                                + mediaTypes(info.getProducesCondition().getProducibleMediaTypes()))));
                            }
                        }));

        assertThat(mapped).as("the controllers' mappings").hasSize(18)
                .contains("POST /api/track-model-usage consumes [application/json] produces [application/json]",
                        "GET /api/admin/audit-log consumes [] produces [application/json]",
                        "POST /api/insights/goals consumes [application/json] produces [application/json]",
                        "DELETE /api/insights/goals/{month} consumes [] produces [application/json]");
        assertThat(documented).isEqualTo(mapped);
    }

    @Test
    void theDocumentIsValidOpenApi31_andEverySchemaInItIsAJsonSchema() throws IOException {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(documentText(), null, options);
        assertThat(parsed.getMessages()).as("the parser's messages").isEmpty();
        assertThat(parsed.getOpenAPI()).isNotNull();
        assertThat(parsed.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(parsed.getOpenAPI().getPaths().keySet()).hasSize(17);

        // Each schema, against the JSON Schema 2020-12 meta-schema (which the OpenAPI 3.1 dialect extends).
        Schema meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        List<String> invalid = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        eachSchema(document(), "", (pointer, schema) -> {
            seen.add(pointer);
            meta.validate(json(schema), InputFormat.JSON).forEach(e -> invalid.add(pointer + ": " + e));
        });
        assertThat(seen).as("schemas found").hasSizeGreaterThan(30).contains("/components/schemas/Payout",
                "/components/parameters/Period/schema");
        assertThat(invalid).isEmpty();
    }

    @Test
    void theEndpointsAnswersMatchTheSchemasDocumentedForTheirStatus() throws Exception {
        Checked checked = new Checked(document());

        // Every endpoint's 200 and its refusals. With problem details turned on in Spring MVC, its
        // own 415 is a problem detail too, so every answer has a body to check.
        JdbcDataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2).withPropertyValues("spring.mvc.problemdetails.enabled=true",
                        "earnings.max-attempts=2", "earnings.retry-budget=1s")
                .run(context -> {
                    Earnings earnings = context.getBean(Earnings.class);
                    earnings.models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
                    earnings.models().register(MODEL_B, OTHER, ModelPricing.of("2.50", "0"));
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    tracking(checked, mvc);
                    analytics(checked, mvc);
                    payouts(checked, mvc);
                    reversals(checked, mvc);
                    adminReads(checked, mvc);
                    insights(checked, mvc, earnings);
                    // The database gone: the store is unavailable.
                    h2.setURL("jdbc:h2:tcp://127.0.0.1:9/unreachable");
                    checked.send(mvc, track(use("down-1", "user-1", MODEL)), 503);
                    checked.send(mvc, signedIn(get("/api/admin/totals"), ADMIN, "EARNINGS_ADMIN"), 503);
                    checked.send(mvc, signedIn(get("/api/insights/market"), CREATOR), 503);
                    checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                            .content("{\"month\":\"" + YearMonth.now(ZoneOffset.UTC) + "\",\"target\":\"1\"}"), CREATOR), 503);
                });

        insightsWithHistory(checked);

        // A caller over their request allowance.
        JdbcDataSource limited = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> limited)
                .withPropertyValues("earnings.web.requests-per-caller.uses=1", "earnings.web.requests-per-caller.per=1h")
                .run(context -> {
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    checked.send(mvc, signedIn(get("/api/admin/totals"), ADMIN, "EARNINGS_ADMIN"), 200);
                    checked.send(mvc, signedIn(get("/api/admin/totals"), ADMIN, "EARNINGS_ADMIN"), 429);
                });

        assertThat(checked.mismatches).as("answers and requests that do not match the document").isEmpty();
        assertThat(checked.statuses.keySet()).as("operations called").hasSize(18);
        assertThat(checked.statuses).as("statuses answered by operation").allSatisfy((operation, statuses) ->
                assertThat(statuses).as(operation).contains(200));
        Set<Integer> seen = new TreeSet<>();
        checked.statuses.values().forEach(seen::addAll);
        assertThat(seen).as("statuses seen").containsExactly(200, 400, 401, 403, 404, 409, 413, 415, 429, 503);
    }

    private static void tracking(Checked checked, MockMvc mvc) throws Exception {
        for (String user : List.of("user-1", "user-2", "user-3")) {
            checked.send(mvc, track(use("evt-" + user, user, MODEL)), 200);
        }
        checked.send(mvc, track(use("evt-user-1", "user-1", MODEL)), 200); // a replay
        checked.send(mvc, track(use("evt-b", "user-1", MODEL_B)), 200);
        checked.send(mvc, track(use("evt-self", CREATOR, MODEL)), 200); // self-use: no ordinal, a reason
        checked.send(mvc, track("{\"userId\":\"user-4\",\"modelId\":\"" + MODEL + "\",\"usageType\":\"chat\",\"tokensConsumed\":3}"), 200);

        checked.send(mvc, track(use("evt-user-1", "user-9", MODEL)), 409);
        checked.send(mvc, track(use("evt-x", "user-1", "no-such-model")), 404);
        checked.send(mvc, track("{\"userId\":"), 400);
        checked.send(mvc, track(use("evt-y", "user-1", MODEL).replace("\"eventId\"", "\"tokens\"")), 400);
        checked.send(mvc, track(use("evt-big", "x".repeat(70_000), MODEL)), 413);
        checked.send(mvc, post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(use("e", "u", MODEL)), 401);
        checked.send(mvc, signedIn(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(use("e", "u", MODEL)),
                CREATOR), 403);
        checked.send(mvc, signedIn(post("/api/track-model-usage").contentType(MediaType.TEXT_PLAIN).content(use("e", "u", MODEL)),
                "backend", "EARNINGS_TRACKER"), 415);
    }

    private static void analytics(Checked checked, MockMvc mvc) throws Exception {
        checked.send(mvc, signedIn(get("/api/creator-analytics"), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/creator-analytics").param("creatorId", CREATOR).param("period", "7")
                .param("modelId", MODEL), ADMIN, "EARNINGS_ADMIN"), 200);

        checked.send(mvc, signedIn(get("/api/creator-analytics").param("period", "week"), CREATOR), 400);
        checked.send(mvc, get("/api/creator-analytics"), 401);
        checked.send(mvc, signedIn(get("/api/creator-analytics").param("creatorId", CREATOR), OTHER), 403);
        checked.send(mvc, signedIn(get("/api/creator-analytics").param("creatorId", CREATOR).param("modelId", "no-such-model"),
                ADMIN, "EARNINGS_ADMIN"), 404);
    }

    private static void payouts(Checked checked, MockMvc mvc) throws Exception {
        // creator-a has earned 8.00 (four uses at 2.00; the self-use earns nothing).
        String first = checked.send(mvc, admin(post("/api/admin/payouts"),
                "{\"creatorId\":\"" + CREATOR + "\",\"amountMinor\":300,\"reference\":\"pay-1\",\"note\":\"March\"}"), 200);
        checked.send(mvc, admin(post("/api/admin/payouts"),
                "{\"creatorId\":\"" + CREATOR + "\",\"amountMinor\":300,\"reference\":\"pay-1\",\"note\":\"March\"}"), 200);
        long id = ((Number) JsonPath.read(first, "$.id")).longValue();
        checked.send(mvc, admin(post("/api/admin/payouts/" + id + "/complete"), "{\"reason\":\"transfer 42\"}"), 200);
        checked.send(mvc, admin(post("/api/admin/payouts/" + id + "/complete"), "{}"), 409);
        checked.send(mvc, admin(post("/api/admin/payouts/" + payout(checked, mvc, "pay-2") + "/cancel"), "{}"), 200);
        checked.send(mvc, admin(post("/api/admin/payouts/" + payout(checked, mvc, "pay-3") + "/fail"),
                "{\"reason\":\"the bank refused it\"}"), 200);
        checked.send(mvc, admin(post("/api/admin/payouts/" + payout(checked, mvc, "pay-4") + "/fail"), "{}"), 400);
        checked.send(mvc, admin(post("/api/admin/payouts/" + id + "/approve"), "{}"), 404);
        checked.send(mvc, admin(post("/api/admin/payouts/first/complete"), "{}"), 400);

        checked.send(mvc, admin(post("/api/admin/payouts"),
                "{\"creatorId\":\"" + CREATOR + "\",\"amountMinor\":1000000,\"reference\":\"pay-5\"}"), 409);
        checked.send(mvc, admin(post("/api/admin/payouts"), "{\"creatorId\":\"" + CREATOR + "\",\"amountMinor\":1,\"ref\":\"x\"}"), 400);
        checked.send(mvc, signedIn(post("/api/admin/payouts").contentType(MediaType.APPLICATION_JSON)
                .content("{\"creatorId\":\"" + CREATOR + "\",\"amountMinor\":1,\"reference\":\"mine\"}"), CREATOR), 403);
        checked.send(mvc, signedIn(post("/api/admin/payouts").contentType(MediaType.TEXT_PLAIN).content("{}"), ADMIN, "EARNINGS_ADMIN"),
                415);

        // A dry run (the default), then a real run that pays creator-a's 4.00 left and not creator-b's 2.00.
        checked.send(mvc, admin(post("/api/admin/payouts/bulk"), "{\"batchReference\":\"batch-1\",\"thresholdMinor\":100}"), 200);
        checked.send(mvc, admin(post("/api/admin/payouts/bulk"),
                "{\"batchReference\":\"batch-2\",\"thresholdMinor\":300,\"dryRun\":false}"), 200);
        checked.send(mvc, admin(post("/api/admin/payouts/bulk"), "{\"batchReference\":\"batch-3\",\"thresholdMinor\":0}"), 400);
        checked.send(mvc, post("/api/admin/payouts/bulk").contentType(MediaType.APPLICATION_JSON).content("{}"), 401);
    }

    /** A pending payout of 1.00 to creator-a under the reference; its id. */
    private static long payout(Checked checked, MockMvc mvc, String reference) throws Exception {
        String made = checked.send(mvc, admin(post("/api/admin/payouts"),
                "{\"creatorId\":\"" + CREATOR + "\",\"amountMinor\":100,\"reference\":\"" + reference + "\"}"), 200);
        return ((Number) JsonPath.read(made, "$.id")).longValue();
    }

    private static void reversals(Checked checked, MockMvc mvc) throws Exception {
        String part = "{\"eventId\":\"evt-user-2\",\"amount\":\"0.5\",\"correctionId\":\"c-1\",\"reason\":\"a refund\"}";
        checked.send(mvc, admin(post("/api/admin/reversals"), part), 200);
        checked.send(mvc, admin(post("/api/admin/reversals"), part), 200); // a replay
        // All that remains; creator-a was paid out, so the balance goes below zero.
        checked.send(mvc, admin(post("/api/admin/reversals"),
                "{\"eventId\":\"evt-user-3\",\"correctionId\":\"c-2\",\"reason\":\"a chargeback\"}"), 200);

        checked.send(mvc, admin(post("/api/admin/reversals"),
                "{\"eventId\":\"evt-user-2\",\"amount\":\"100\",\"correctionId\":\"c-3\",\"reason\":\"too much\"}"), 409);
        checked.send(mvc, admin(post("/api/admin/reversals"),
                "{\"eventId\":\"evt-user-2\",\"amount\":0.5,\"correctionId\":\"c-4\",\"reason\":\"a number\"}"), 400);
        checked.send(mvc, admin(post("/api/admin/reversals"), "{\"eventId\":\"evt-user-2\",\"amount\":\"0.1\",\"correctionId\":\"c-5\","
                + "\"reason\":\"" + "r".repeat(70_000) + "\"}"), 413);
        checked.send(mvc, signedIn(post("/api/admin/reversals").contentType(MediaType.APPLICATION_JSON).content(part), CREATOR), 403);
    }

    private static void adminReads(Checked checked, MockMvc mvc) throws Exception {
        // The dashboard again, now with payouts, reversed uses and a balance below zero.
        checked.send(mvc, signedIn(get("/api/creator-analytics"), CREATOR), 200);

        checked.send(mvc, signedIn(get("/api/admin/totals").param("period", "365"), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/admin/totals").param("period", "12"), ADMIN, "EARNINGS_ADMIN"), 400);
        checked.send(mvc, signedIn(get("/api/admin/totals"), CREATOR), 403);
        checked.send(mvc, get("/api/admin/totals"), 401);

        checked.send(mvc, signedIn(get("/api/admin/creators").param("period", "30").param("sort", "AVAILABLE_BALANCE")
                .param("direction", "asc").param("page", "0").param("size", "10"), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/admin/creators"), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/admin/creators").param("sort", "fame"), ADMIN, "EARNINGS_ADMIN"), 400);
        checked.send(mvc, signedIn(get("/api/admin/creators"), CREATOR), 403);

        String log = checked.send(mvc, signedIn(get("/api/admin/audit-log"), ADMIN, "EARNINGS_ADMIN"), 200);
        assertThat(JsonPath.<List<String>>read(log, "$.items[*].action")).contains("MODEL_REGISTERED", "PAYOUT_CREATED",
                "PAYOUT_COMPLETED", "PAYOUT_FAILED", "PAYOUT_CANCELLED", "USE_REVERSED");
        checked.send(mvc, signedIn(get("/api/admin/audit-log").param("actor", ADMIN).param("action", "USE_REVERSED")
                .param("targetType", "use").param("targetId", "evt-user-2").param("from", "2000-01-01T00:00:00Z")
                .param("to", "2100-01-01T00:00:00Z").param("page", "0").param("size", "5"), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/admin/audit-log").param("action", "TIDIED_UP"), ADMIN, "EARNINGS_ADMIN"), 400);
        checked.send(mvc, signedIn(get("/api/admin/audit-log").param("from", "yesterday"), ADMIN, "EARNINGS_ADMIN"), 400);
        checked.send(mvc, signedIn(get("/api/admin/audit-log"), OTHER), 403);
    }

    /** The insights on the application's own clock: forecasts, comparisons, the market, goals and their refusals. */
    private static void insights(Checked checked, MockMvc mvc, Earnings earnings) throws Exception {
        earnings.models().register(MODEL_2, CREATOR, ModelPricing.of("1.00", "0"));
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        checked.send(mvc, signedIn(get("/api/creator-analytics").param("period", "7").param("zone", "Asia/Kolkata")
                .param("usageType", "chat,other").param("models", MODEL + "," + MODEL_2), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/creator-analytics").param("zone", "Mars/Olympus"), CREATOR), 400);

        checked.send(mvc, signedIn(get("/api/insights/forecast"), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/insights/forecast").param("creatorId", CREATOR).param("days", "7")
                .param("zone", "Europe/Paris").param("modelId", MODEL), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/insights/forecast").param("days", "14"), CREATOR), 400);
        checked.send(mvc, signedIn(get("/api/insights/forecast").param("modelId", MODEL_B), CREATOR), 403);
        checked.send(mvc, signedIn(get("/api/insights/forecast").param("modelId", "no-such-model"), ADMIN, "EARNINGS_ADMIN"), 404);
        checked.send(mvc, get("/api/insights/forecast"), 401);

        checked.send(mvc, signedIn(get("/api/insights/compare").param("models", MODEL + "," + MODEL_2), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/insights/compare").param("creatorId", CREATOR).param("models", MODEL_2 + "," + MODEL)
                .param("period", "90").param("zone", "America/New_York"), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/insights/compare").param("models", MODEL), CREATOR), 400);
        checked.send(mvc, signedIn(get("/api/insights/compare").param("models", MODEL + "," + MODEL_B), CREATOR), 403);
        checked.send(mvc, signedIn(get("/api/insights/compare").param("creatorId", CREATOR).param("models", MODEL + ",no-such-model"),
                ADMIN, "EARNINGS_ADMIN"), 404);
        checked.send(mvc, get("/api/insights/compare").param("models", MODEL + "," + MODEL_2), 401);

        checked.send(mvc, signedIn(get("/api/insights/market"), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/insights/market").param("period", "365").param("zone", "Asia/Kathmandu"), ADMIN,
                "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/insights/market").param("zone", "Nowhere/Land"), CREATOR), 400);
        checked.send(mvc, signedIn(get("/api/insights/market"), "backend", "EARNINGS_TRACKER"), 403);
        checked.send(mvc, get("/api/insights/market"), 401);

        checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                .content("{\"month\":\"" + month + "\",\"zone\":\"Europe/Paris\",\"target\":\"1000.00\"}"), CREATOR), 200);
        checked.send(mvc, admin(post("/api/insights/goals"), "{\"month\":\"" + month + "\",\"target\":\"0.5\",\"creatorId\":\""
                + OTHER + "\"}"), 200);
        checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                .content("{\"month\":\"" + month + "\",\"target\":100}"), CREATOR), 400);
        checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                .content("{\"month\":\"" + month + "\",\"target\":\"1\",\"creatorId\":\"" + OTHER + "\"}"), CREATOR), 403);
        checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                .content("{\"month\":\"" + month + "\",\"target\":\"" + "9".repeat(70_000) + "\"}"), CREATOR), 413);
        checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.TEXT_PLAIN).content("{}"), CREATOR), 415);
        checked.send(mvc, signedIn(get("/api/insights/goals"), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/insights/goals").param("creatorId", OTHER), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(get("/api/insights/goals").param("creatorId", "nobody"), ADMIN, "EARNINGS_ADMIN"), 400);
        checked.send(mvc, signedIn(get("/api/insights/goals").param("creatorId", OTHER), CREATOR), 403);
        checked.send(mvc, signedIn(delete("/api/insights/goals/" + month), CREATOR), 200);
        checked.send(mvc, signedIn(delete("/api/insights/goals/" + month).param("creatorId", CREATOR), ADMIN, "EARNINGS_ADMIN"), 200);
        checked.send(mvc, signedIn(delete("/api/insights/goals/13-2026"), CREATOR), 400);
        checked.send(mvc, signedIn(delete("/api/insights/goals/" + month).param("creatorId", OTHER), CREATOR), 403);
        checked.send(mvc, delete("/api/insights/goals/" + month), 401);

        checked.send(mvc, signedIn(get("/api/insights/alerts"), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/insights/alerts").param("period", "12"), CREATOR), 400);
        checked.send(mvc, signedIn(get("/api/insights/alerts").param("creatorId", OTHER), CREATOR), 403);
        checked.send(mvc, signedIn(get("/api/insights/recommendations"), CREATOR), 200);
        checked.send(mvc, signedIn(get("/api/insights/recommendations").param("creatorId", "nobody"), ADMIN, "EARNINGS_ADMIN"), 400);
        checked.send(mvc, signedIn(get("/api/insights/recommendations").param("creatorId", OTHER), CREATOR), 403);

        String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        checked.send(mvc, admin(post("/api/admin/insights/check"), "{\"day\":\"" + yesterday + "\"}"), 200);
        checked.send(mvc, admin(post("/api/admin/insights/check"), "{\"day\":\"tomorrow\"}"), 400);
        checked.send(mvc, signedIn(post("/api/admin/insights/check").contentType(MediaType.APPLICATION_JSON)
                .content("{\"day\":\"" + yesterday + "\"}"), CREATOR), 403);
        checked.send(mvc, post("/api/admin/insights/check").contentType(MediaType.APPLICATION_JSON).content("{}"), 401);
    }

    /**
     * The insights of five weeks of uses, on a clock the test moves: forecasts with history, a
     * day's alerts raised and read, a goal reached, recommendations of both kinds, and the market
     * with figures shown and withheld (k = 2: chat is used by two creators, other and image
     * generation by one each, who together are two, so that chat's figures may be shown).
     */
    private static void insightsWithHistory(Checked checked) throws Exception {
        try (ServedEndpoints app = ServedEndpoints.start(TestDatabases.h2(), List.of("spring.mvc.problemdetails.enabled=true",
                "earnings.insights.minimum-creators=2"))) {
            Earnings earnings = app.earnings();
            earnings.models().register("hist-a", "creator-h", ModelPricing.of("0.10", "0"));
            earnings.models().register("hist-b", "creator-h", ModelPricing.of("0.10", "0"));
            earnings.models().register("hist-c", "creator-i", ModelPricing.of("0.10", "0"));
            earnings.models().register("hist-d", "creator-j", ModelPricing.of("0.10", "0"));
            earnings.models().setMonetized("hist-b", false);
            int spikeDay = 32;
            for (int day = 1; day <= 35; day++) {
                app.clock().advance(Duration.ofDays(1));
                List<UsageRequest> uses = new ArrayList<>();
                int a = day == spikeDay ? 30 : day <= 33 ? 2 : 0;
                for (int i = 0; i < a; i++) {
                    uses.add(UsageRequest.builder("user-" + i % 3, "hist-a").eventId("a-" + day + "-" + i).usageType("chat")
                            .tokensConsumed(1).build());
                }
                uses.add(UsageRequest.builder("user-1", "hist-b").eventId("b-" + day).usageType("other").tokensConsumed(1).build());
                uses.add(UsageRequest.builder("user-2", "hist-c").eventId("c-" + day).usageType("chat").tokensConsumed(1).build());
                uses.add(UsageRequest.builder("user-3", "hist-d").eventId("d-" + day).usageType("image_generation").tokensConsumed(1)
                        .build());
                assertThat(earnings.logModelUsageBatch(uses).rejected()).isZero();
            }
            MockMvc mvc = app.mvc();
            LocalDate spike = LocalDate.ofInstant(ServedEndpoints.START.plus(Duration.ofDays(spikeDay)), ZoneOffset.UTC);
            String raised = checked.send(mvc, admin(post("/api/admin/insights/check"), "{\"day\":\"" + spike + "\"}"), 200);
            assertThat(JsonPath.<List<String>>read(raised, "$.alerts[*].metric")).containsExactlyInAnyOrder("uses", "earnings");
            String alerts = checked.send(mvc, signedIn(get("/api/insights/alerts").param("zone", "Europe/Paris"), "creator-h"), 200);
            assertThat(JsonPath.<List<String>>read(alerts, "$.alerts[*].day")).containsOnly(spike.toString());
            checked.send(mvc, signedIn(get("/api/insights/alerts").param("creatorId", "creator-h").param("period", "90"), ADMIN,
                    "EARNINGS_ADMIN"), 200);

            String month = YearMonth.from(app.clock().instant().atZone(ZoneOffset.UTC)).toString();
            String reached = checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                    .content("{\"month\":\"" + month + "\",\"target\":\"0.01\"}"), "creator-h"), 200);
            assertThat(JsonPath.<Boolean>read(reached, "$.reached")).isTrue();
            checked.send(mvc, signedIn(post("/api/insights/goals").contentType(MediaType.APPLICATION_JSON)
                    .content("{\"month\":\"" + month + "\",\"target\":\"5\"}"), "creator-h"), 400);
            checked.send(mvc, signedIn(get("/api/insights/goals"), "creator-h"), 200);

            String recommended = checked.send(mvc, signedIn(get("/api/insights/recommendations"), "creator-h"), 200);
            assertThat(JsonPath.<List<String>>read(recommended, "$.recommendations[*].kind")).contains("NEXT_TIER_CLOSE",
                    "MONETIZATION_OFF");

            checked.send(mvc, signedIn(get("/api/insights/forecast").param("days", "90"), "creator-h"), 200);
            checked.send(mvc, signedIn(get("/api/insights/forecast").param("modelId", "hist-a").param("zone", "Asia/Kolkata"),
                    "creator-h"), 200);
            checked.send(mvc, signedIn(get("/api/insights/compare").param("models", "hist-a,hist-b").param("period", "90"),
                    "creator-h"), 200);
            String market = checked.send(mvc, signedIn(get("/api/insights/market").param("period", "7"), "creator-h"), 200);
            assertThat(JsonPath.<List<Object>>read(market, "$.byUsageType[?(@.key == 'chat')].figures")).doesNotContainNull();
            assertThat(JsonPath.<List<Object>>read(market, "$.byUsageType[?(@.key == 'other')].figures")).containsOnlyNulls();
            checked.send(mvc, signedIn(get("/api/insights/market").param("period", "7"), ADMIN, "EARNINGS_ADMIN"), 200);
            checked.send(mvc, signedIn(get("/api/creator-analytics").param("zone", "America/New_York").param("usageType", "chat"),
                    "creator-h"), 200);
        }
    }

    private static MockHttpServletRequestBuilder signedIn(MockHttpServletRequestBuilder request, String name, String... roles) {
        return request.principal(() -> name).with(r -> {
            Arrays.stream(roles).forEach(r::addUserRole);
            return r;
        });
    }

    private static MockHttpServletRequestBuilder admin(MockHttpServletRequestBuilder request, String json) {
        return signedIn(request.contentType(MediaType.APPLICATION_JSON).content(json), ADMIN, "EARNINGS_ADMIN");
    }

    private static MockHttpServletRequestBuilder track(String json) {
        return signedIn(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(json), "backend",
                "EARNINGS_TRACKER");
    }

    private static String use(String eventId, String user, String model) {
        return "{\"userId\":\"" + user + "\",\"modelId\":\"" + model + "\",\"usageType\":\"chat\",\"tokensConsumed\":120,"
                + "\"metadata\":{\"session\":\"s-1\"},\"eventId\":\"" + eventId + "\"}";
    }

    /**
     * Sends requests and checks each exchange against the document: the operation is documented,
     * its status is among the operation's responses, the answer's media type, required headers
     * and body match that response; and a request answered 200 sent only documented parameters,
     * with values and a body that the document's schemas accept.
     */
    private static final class Checked {
        private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDialect(Dialects.getOpenApi31(),
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

        final List<String> mismatches = new ArrayList<>();
        /** The statuses each operation answered, by operation ("POST /api/admin/payouts"). */
        final Map<String, Set<Integer>> statuses = new TreeMap<>();
        private final Map<String, Object> document;
        private final Map<String, Schema> schemas = new HashMap<>();

        Checked(Map<String, Object> document) {
            this.document = document;
        }

        /** Sends the request, which must be answered {@code expected}; the answer's body. */
        String send(MockMvc mvc, MockHttpServletRequestBuilder request, int expected) throws Exception {
            MvcResult result = mvc.perform(request).andReturn();
            MockHttpServletResponse response = result.getResponse();
            MockHttpServletRequest sent = result.getRequest();
            String body = response.getContentAsString(StandardCharsets.UTF_8);
            String exchange = sent.getMethod() + " " + sent.getRequestURI() + " " + response.getStatus();
            assertThat(response.getStatus()).as("%s: %s", exchange, body).isEqualTo(expected);
            check(sent, response, body, exchange);
            return body;
        }

        private void check(MockHttpServletRequest sent, MockHttpServletResponse response, String body, String exchange) {
            String method = sent.getMethod().toLowerCase(Locale.ROOT);
            for (Map.Entry<String, Object> path : map(document, "paths").entrySet()) {
                Map<String, Object> operation = map(map(path.getValue()), method);
                Matcher matcher = template(path.getKey()).matcher(sent.getRequestURI());
                if (!operation.isEmpty() && matcher.matches()) {
                    String pointer = "/paths/" + escape(path.getKey()) + "/" + method;
                    statuses.computeIfAbsent(sent.getMethod() + " " + path.getKey(), k -> new TreeSet<>()).add(response.getStatus());
                    checkAnswer(pointer, response, body, exchange);
                    if (response.getStatus() == 200) {
                        checkRequest(pointer, path.getKey(), matcher, sent, exchange);
                    }
                    return;
                }
            }
            mismatches.add(exchange + ": no documented operation");
        }

        private void checkAnswer(String operation, MockHttpServletResponse response, String body, String exchange) {
            String status = Integer.toString(response.getStatus());
            Object documented = map(map(document, operation), "responses").get(status);
            if (documented == null) {
                mismatches.add(exchange + ": status " + status + " is not documented for the operation");
                return;
            }
            String pointer = pointerOf(documented, operation + "/responses/" + status);
            Map<String, Object> answer = map(resolve(document, documented));
            map(answer, "headers").forEach((name, header) -> {
                String headerPointer = pointerOf(header, pointer + "/headers/" + escape(name));
                String value = response.getHeader(name);
                if (value == null) {
                    if (Boolean.TRUE.equals(map(resolve(document, header)).get("required"))) {
                        mismatches.add(exchange + ": no " + name + " header");
                    }
                } else {
                    validate(exchange + " header " + name, headerPointer + "/schema", asJson(headerPointer + "/schema", value));
                }
            });
            Map<String, Object> content = map(answer, "content");
            if (body.isEmpty() || response.getContentType() == null) {
                if (!content.isEmpty()) {
                    mismatches.add(exchange + ": no body, but the document gives one: " + content.keySet());
                }
                return;
            }
            MediaType type = MediaType.parseMediaType(response.getContentType());
            String media = type.getType() + "/" + type.getSubtype();
            if (!content.containsKey(media)) {
                mismatches.add(exchange + ": answered " + media + ", documented " + content.keySet());
                return;
            }
            validate(exchange + " body " + (body.length() > 300 ? body.substring(0, 300) + "..." : body),
                    pointer + "/content/" + escape(media) + "/schema", body);
            if (media.equals(MediaType.APPLICATION_PROBLEM_JSON_VALUE)
                    && !Integer.valueOf(response.getStatus()).equals(JsonPath.read(body, "$.status"))) {
                mismatches.add(exchange + ": the problem's status is not the answer's: " + body);
            }
        }

        private void checkRequest(String operation, String path, Matcher matcher, MockHttpServletRequest sent, String exchange) {
            Map<String, String> parameters = new HashMap<>();
            List<Object> declared = list(map(document, operation).get("parameters"));
            for (int i = 0; i < declared.size(); i++) {
                Map<String, Object> parameter = map(resolve(document, declared.get(i)));
                parameters.put(parameter.get("in") + " " + parameter.get("name"),
                        pointerOf(declared.get(i), operation + "/parameters/" + i) + "/schema");
            }
            List<String> names = new ArrayList<>();
            Matcher name = Pattern.compile("\\{([^}]+)}").matcher(path);
            while (name.find()) {
                names.add(name.group(1));
            }
            for (int i = 0; i < names.size(); i++) {
                checkParameter(parameters.get("path " + names.get(i)), names.get(i), matcher.group(i + 1), exchange);
            }
            sent.getParameterMap().forEach((key, values) -> Arrays.stream(values)
                    .forEach(value -> checkParameter(parameters.get("query " + key), key, value, exchange)));

            byte[] content = sent.getContentAsByteArray();
            if (content != null && content.length > 0) {
                Object documented = map(map(document, operation)).get("requestBody");
                MediaType type = MediaType.parseMediaType(sent.getContentType());
                String media = type.getType() + "/" + type.getSubtype();
                if (!map(map(resolve(document, documented)), "content").containsKey(media)) {
                    mismatches.add(exchange + ": sent a body of " + media + ", which the operation does not document");
                } else {
                    validate(exchange + " request body", pointerOf(documented, operation + "/requestBody") + "/content/"
                            + escape(media) + "/schema", new String(content, StandardCharsets.UTF_8));
                }
            }
        }

        private void checkParameter(String schemaPointer, String name, String value, String exchange) {
            if (schemaPointer == null) {
                mismatches.add(exchange + ": parameter " + name + " is not documented");
            } else {
                validate(exchange + " parameter " + name, schemaPointer, asJson(schemaPointer, value));
            }
        }

        /** A parameter's or header's text as the JSON value its schema's type reads it as. */
        private String asJson(String schemaPointer, String value) {
            Object type = map(resolve(document, Map.of("$ref", "#" + schemaPointer))).get("type");
            try {
                if ("integer".equals(type) || "number".equals(type)) {
                    return new BigDecimal(value).toString();
                }
            } catch (NumberFormatException e) {
                // Left a string, which the schema then refuses.
            }
            return json(value);
        }

        private void validate(String what, String schemaPointer, String json) {
            try {
                Schema schema = schemas.computeIfAbsent(schemaPointer, p -> SCHEMAS.getSchema(SchemaLocation.of("classpath:" + DOCUMENT
                        + "#" + p.replace("%", "%25").replace("{", "%7B").replace("}", "%7D").replace("+", "%2B"))));
                schema.validate(json, InputFormat.JSON).forEach(e -> mismatches.add(what + " against " + schemaPointer + ": " + e));
            } catch (SchemaException e) {
                mismatches.add(what + ": the schema at " + schemaPointer + " cannot be used: " + e.getMessage());
            }
        }
    }

    /** Where a response, parameter or header of the document is: its own place, or the one its $ref names. */
    private static String pointerOf(Object value, String place) {
        Object ref = map(value).get("$ref");
        return ref == null ? place : ((String) ref).substring(1);
    }

    /** The regular expression of a path template, each {parameter} a group. */
    private static Pattern template(String path) {
        return Pattern.compile(Arrays.stream(path.split("/", -1))
                .map(part -> part.startsWith("{") ? "([^/]+)" : Pattern.quote(part)).collect(Collectors.joining("/")));
    }

    /** Every schema of the document, with its JSON pointer: components/schemas and every "schema" of a parameter, header or media type. */
    private static void eachSchema(Object node, String pointer, BiConsumer<String, Object> schema) {
        if (node instanceof Map<?, ?> members) {
            members.forEach((key, value) -> {
                String at = pointer + "/" + escape(String.valueOf(key));
                if (pointer.equals("/components/schemas") || (key.equals("schema") && value instanceof Map)) {
                    schema.accept(at, value);
                } else {
                    eachSchema(value, at, schema);
                }
            });
        } else if (node instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                eachSchema(items.get(i), pointer + "/" + i, schema);
            }
        }
    }

    /** A JSON pointer's reference token for a key. */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** A member of the document, following {@code $ref}s within it. */
    private static Object resolve(Map<String, Object> document, Object value) {
        Object at = value;
        while (at instanceof Map<?, ?> m && m.get("$ref") instanceof String ref) {
            at = document;
            for (String token : ref.substring(2).split("/")) {
                String key = token.replace("~1", "/").replace("~0", "~");
                at = at instanceof List<?> items ? items.get(Integer.parseInt(key)) : map(at).get(key);
            }
        }
        return at;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String pointerOrKey) {
        if (!pointerOrKey.startsWith("/")) {
            return map(parent.get(pointerOrKey));
        }
        return map(resolve(parent, Map.of("$ref", "#" + pointerOrKey)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value instanceof List ? (List<Object>) value : List.of();
    }

    private static String mediaTypes(Set<MediaType> types) {
        return types.stream().map(MediaType::toString).collect(Collectors.toCollection(TreeSet::new)).toString();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String documentText() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            assertThat(in).as(DOCUMENT).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, Object> document() {
        try {
            return new Yaml().load(documentText());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
