package dev.earnings.spring;

import static dev.earnings.spring.ExpectedEarnings.money;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Alert;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Insights;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.ReportFilter;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.jdbc.http.JsonView;
import dev.earnings.spring.ExpectedEarnings.Model;
import dev.earnings.spring.ExpectedEarnings.Use;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpMethod;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.RequestBuilder;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

/**
 * The starter's HTTP endpoints, tested as the example host app's HTTP tests test its own: every
 * endpoint's answers, with figures worked out by the test ({@link ExpectedEarnings}) or read by its
 * own SQL; who may call what, as a table; every kind of bad input, answered with the status and
 * the field at fault, with nothing written; each caller's request allowance; and a database that is
 * down. Its subclasses run it on H2 and on PostgreSQL. One application serves most tests, each
 * with creators and models of its own; a test whose figures span the whole platform starts its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EarningsHttpSuite {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TRACK = "/api/track-model-usage";
    /** The default of {@code earnings.web.max-body-bytes}. */
    static final int MAX_BODY = 64 * 1024;

    static final Who ANONYMOUS = new Who(null, List.of());
    static final Who ADA = creator("ada");
    static final Who ADMIN = new Who("admin-1", List.of("EARNINGS_ADMIN"));
    static final Who TRACKER = new Who("backend", List.of("EARNINGS_TRACKER"));

    /** The shared application's two creators, with ten uses each. */
    static final Model ADA_MODEL = new Model("ada-model", "ada", "0.25", "0.001");
    static final Model BOB_MODEL = new Model("bob-model", "bob", "0.25", "0.001");

    private final AtomicInteger unique = new AtomicInteger();
    private App shared;
    /** A pending payout of ada's, and a completed one, that bad requests try to move. */
    private long pendingPayout;
    private long completedPayout;

    /** A fresh database of the kind the subclass tests. */
    abstract TestDatabases.Fresh freshDatabase();

    /** Who calls: a principal's name and roles, or no one. */
    record Who(String name, List<String> roles) {
        @Override
        public String toString() {
            return name == null ? "anonymous" : name + (roles.isEmpty() ? "" : " " + roles);
        }
    }

    static Who creator(String id) {
        return new Who(id, List.of());
    }

    /** A running application and its database. */
    record App(TestDatabases.Fresh db, ServedEndpoints endpoints) implements AutoCloseable {
        Earnings earnings() {
            return endpoints.earnings();
        }

        Instant now() {
            return endpoints.clock().instant();
        }

        LocalDate today() {
            return LocalDate.ofInstant(now(), ZoneOffset.UTC);
        }

        void advance(Duration by) {
            endpoints.clock().advance(by);
        }

        @Override
        public void close() {
            try {
                endpoints.close();
            } finally {
                db.close();
            }
        }
    }

    /** An answer: its status, its content type, its body as JSON (null when it has none) and the response. */
    record Answer(int status, String contentType, JsonNode body, MockHttpServletResponse response) {
        /** The body of a 200 answer. */
        JsonNode ok() {
            assertThat(status).as("status of %s", body).isEqualTo(200);
            assertThat(contentType).startsWith("application/json");
            return body;
        }

        String header(String name) {
            return response.getHeader(name);
        }
    }

    App start(String... properties) {
        return start(UnaryOperator.identity(), properties);
    }

    /** Starts an application on a fresh database, reached through {@code wrap}. */
    App start(UnaryOperator<DataSource> wrap, String... properties) {
        TestDatabases.Fresh db = freshDatabase();
        try {
            List<String> all = new ArrayList<>(db.properties());
            all.addAll(List.of(properties));
            return new App(db, ServedEndpoints.start(wrap.apply(db.runtime()), all));
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @BeforeAll
    void startTheSharedApplication() {
        shared = start();
        Earnings earnings = shared.earnings();
        for (Model model : List.of(ADA_MODEL, BOB_MODEL)) {
            register(shared, model);
            for (int i = 0; i < 10; i++) {
                earnings.logModelUsage(UsageRequest.builder("seed-user-" + i, model.id()).eventId(model.creatorId() + "-use-" + i)
                        .tokensConsumed(100).usageType("chat").build());
            }
        }
        // A second model each, with no uses, for comparisons.
        register(shared, new Model("ada-second", "ada", "0.25", "0.001"));
        register(shared, new Model("bob-second", "bob", "0.25", "0.001"));
        Caller admin = Caller.admin(ADMIN.name());
        pendingPayout = earnings.payouts().create(admin, PayoutRequest.of("ada", 1, "pending-for-bad-input")).id();
        completedPayout = earnings.payouts().create(admin, PayoutRequest.of("ada", 1, "completed-for-bad-input")).id();
        earnings.payouts().complete(admin, completedPayout, "paid");
    }

    @AfterAll
    void stopTheSharedApplication() {
        if (shared != null) {
            shared.close();
        }
    }

    // ------------------------------------------------------------------ tracking

    @Test
    void track_pricesAUseByTheFormula_andReplaysItByEventId() throws Exception {
        Model model = register(shared, new Model("track-model", "tia", "0.01", "0.0001"));
        ExpectedEarnings book = new ExpectedEarnings();
        String body = use("track-1", model.id(), "user-1", 120, "chat");
        Answer first = call(shared, TRACKER, "POST", TRACK, body);
        Use expected = book.use("track-1", model, "user-1", 120, "chat", shared.now());
        assertUse(first.ok(), expected, false);
        // (0.01 + 120 x 0.0001) x 1.0 x 0.8, by hand, so that the formula above is checked too.
        assertThat(first.body().get("earnings").asText()).isEqualTo("0.017600000000");

        Answer again = call(shared, TRACKER, "POST", TRACK, body);
        assertUse(again.ok(), expected, true);
        Answer conflict = call(shared, TRACKER, "POST", TRACK, body.replace("120", "121"));
        assertProblem(conflict, 409, "tokensConsumed");
        assertThat(sql(shared, "SELECT earnings, use_ordinal, tokens_consumed, usage_type FROM %s WHERE event_id = ?",
                "model_usage_logs", "track-1")).singleElement().satisfies(row -> {
                    assertThat((BigDecimal) row.get(0)).isEqualByComparingTo(expected.earnings());
                    assertThat(((Number) row.get(1)).longValue()).isEqualTo(1);
                    assertThat(((Number) row.get(2)).longValue()).isEqualTo(120);
                    assertThat(row.get(3)).isEqualTo("chat");
                });

        // The 101st use of a model is rated at the second tier, x 1.2.
        List<UsageRequest> more = new ArrayList<>();
        for (int i = 2; i <= 100; i++) {
            Use u = book.use("track-" + i, model, "user-" + i % 5, i, "image_generation", shared.now());
            more.add(UsageRequest.builder(u.userId(), model.id()).eventId(u.eventId()).tokensConsumed(u.tokens())
                    .usageType(u.type()).build());
        }
        assertThat(shared.earnings().logModelUsageBatch(more).rejected()).isZero();
        shared.advance(Duration.ofMinutes(1));
        Answer tier2 = call(shared, TRACKER, "POST", TRACK, use("track-101", model.id(), "user-2", 10, "other"));
        Use expected101 = book.use("track-101", model, "user-2", 10, "other", shared.now());
        assertUse(tier2.ok(), expected101, false);
        assertThat(expected101.ordinal()).isEqualTo(101);
        assertThat(tier2.body().get("earnings").asText()).isEqualTo("0.007920000000");

        // Without an eventId the library names the use; it is recorded once.
        JsonNode unnamed = call(shared, TRACKER, "POST", TRACK, use(null, model.id(), "user-3", 0, "chat")).ok();
        assertThat(unnamed.get("eventId").asText()).isNotBlank();
        assertThat(unnamed.get("useOrdinal").asLong()).isEqualTo(102);
        assertThat(count(shared, "SELECT COUNT(*) FROM %s WHERE model_id = 'track-model'", "model_usage_logs")).isEqualTo(102);
        assertThat(sum(shared, "SELECT SUM(earnings) FROM %s WHERE model_id = 'track-model'", "model_usage_logs"))
                .isEqualByComparingTo(ExpectedEarnings.earnings(book.uses(u -> true))
                        .add(ExpectedEarnings.earned(model, 0, "chat", 102)));
    }

    @Test
    void track_keepsMetadataDecimalsExactly_asTheTextSent() throws Exception {
        String body = "{\"userId\":\"user-decimals\",\"modelId\":\"ada-model\",\"usageType\":\"chat\",\"tokensConsumed\":1,"
                + "\"eventId\":\"decimals-1\",\"metadata\":{\"score\":0.10000000000000000001,\"weight\":1.50}}";
        assertThat(call(shared, TRACKER, "POST", TRACK, body).ok().get("replayed").asBoolean()).isFalse();
        // Stored as sent, compact: no digit lost to a double, no trailing zero dropped.
        assertThat(sql(shared, "SELECT metadata FROM %s WHERE event_id = ?", "model_usage_logs", "decimals-1"))
                .containsExactly(row("{\"score\":0.10000000000000000001,\"weight\":1.50}"));
        // Other spacing, same numbers: the same use.
        assertThat(call(shared, TRACKER, "POST", TRACK, body.replace("\"score\":", "\"score\" : ")).ok().get("replayed")
                .asBoolean()).isTrue();
        // As doubles these are the same numbers; as the decimals sent, they are not.
        for (String other : List.of("0.1", "0.1000000000000000055511151231257827")) {
            assertProblem(call(shared, TRACKER, "POST", TRACK, body.replace("0.10000000000000000001", other)), 409, "metadata");
        }
        assertProblem(call(shared, TRACKER, "POST", TRACK, body.replace("1.50", "1.5")), 409, "metadata");
        assertThat(count(shared, "SELECT COUNT(*) FROM %s WHERE event_id = 'decimals-1'", "model_usage_logs")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ dashboard, totals, creators

    @Test
    void dashboard_totals_andCreatorsOverview_showTheFiguresWorkedOutHere() throws Exception {
        int hold = 1;
        try (App app = start("earnings.hold-days=" + hold)) {
            Model anime = register(app, new Model("ada-anime", "ada", "0.01", "0.0001"));
            Model sketch = register(app, new Model("ada-sketch", "ada", "0.005", "0"));
            Model story = register(app, new Model("lin-story", "lin", "0.002", "0.00002"));
            register(app, new Model("max-voice", "max", "0.03", "0"));
            Model echo = register(app, new Model("ned-echo", "ned", "0.5", "0"));
            ExpectedEarnings book = new ExpectedEarnings();
            Instant start = app.now();
            LocalDate today = app.today();

            // Earlier days, through the library: a hundred uses of ada-sketch over the last 34 days,
            // and three of ned-echo 32 days ago, before the 30 days' period.
            List<UsageRequest> earlier = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                earlier.add(request(book.use("sketch-" + i, sketch, "user-" + i % 7, 0, "image_generation",
                        start.minus(Duration.ofDays(i % 34)).minus(Duration.ofMinutes(i)))));
            }
            for (int i = 0; i < 3; i++) {
                earlier.add(request(book.use("echo-" + i, echo, "user-" + i, 0, "image_generation",
                        start.minus(Duration.ofDays(32)).plusSeconds(i))));
            }
            assertThat(app.earnings().logModelUsageBatch(earlier).rejected()).isZero();

            // Today, through the endpoint, a minute apart; ada-sketch's is its 101st use, at the second tier.
            Object[][] tracked = {{"anime-1", anime, "user-1", 120, "chat"}, {"anime-2", anime, "user-2", 0, "image_generation"},
                {"anime-3", anime, "user-1", 799, "other"}, {"sketch-101", sketch, "user-3", 10, "chat"},
                {"story-1", story, "user-1", 2, "image_generation"}, {"story-2", story, "user-4", 1000, "chat"}};
            for (Object[] t : tracked) {
                app.advance(Duration.ofMinutes(1));
                Model model = (Model) t[1];
                Answer answer = call(app, TRACKER, "POST", TRACK, use((String) t[0], model.id(), (String) t[2], (Integer) t[3],
                        (String) t[4]));
                assertUse(answer.ok(), book.use((String) t[0], model, (String) t[2], (Integer) t[3], (String) t[4], app.now()),
                        false);
            }
            assertThat(book.find("sketch-101").ordinal()).isEqualTo(101);

            // Reversals: part of a use of today, all of another, and all of one ten days old (out of its hold).
            for (String[] r : new String[][] {{"anime-1", "0.0005"}, {"story-2", null}, {"sketch-10", null}}) {
                app.advance(Duration.ofMinutes(1));
                Use of = book.find(r[0]);
                BigDecimal amount = r[1] == null ? of.earnings().subtract(book.reversedOf(of)) : new BigDecimal(r[1]);
                JsonNode reversal = call(app, ADMIN, "POST", "/api/admin/reversals", reversal(of.eventId(), r[1], "fix-" + r[0]))
                        .ok();
                book.reverse(of.eventId(), amount, app.now());
                assertThat(reversal.get("amount").asText()).isEqualTo(money(amount));
                assertThat(reversal.get("remaining").asText()).isEqualTo(money(of.earnings().subtract(book.reversedOf(of))));
                assertThat(reversal.get("creatorId").asText()).isEqualTo(of.creatorId());
                assertFields(reversal.get("balance"), book.balance(of.creatorId(), today, hold));
            }

            // ada is paid 20 cents, and 10 more are on their way.
            app.advance(Duration.ofMinutes(1));
            long paid = call(app, ADMIN, "POST", "/api/admin/payouts", payout("ada", 20, "ada-1")).ok().get("id").asLong();
            book.payoutCreated("ada", 20);
            assertThat(call(app, ADMIN, "POST", "/api/admin/payouts/" + paid + "/complete", "{\"reason\":\"wire\"}").ok()
                    .get("status").asText()).isEqualTo("COMPLETED");
            book.payoutCompleted("ada", 20);
            app.advance(Duration.ofMinutes(1));
            call(app, ADMIN, "POST", "/api/admin/payouts", payout("ada", 10, "ada-2")).ok();
            book.payoutCreated("ada", 10);

            LocalDate from = today.minusDays(29);
            LocalDate to = today.plusDays(1);
            for (String creator : List.of("ada", "lin")) {
                JsonNode d = call(app, creator(creator), "GET", "/api/creator-analytics?period=30", null).ok();
                Predicate<Use> mine = u -> u.creatorId().equals(creator);
                List<Use> period = book.uses(u -> mine.test(u) && within(u, from, to));
                BigDecimal net = book.net(mine, from, to);
                BigDecimal previous = book.net(mine, from.minusDays(30), from);
                assertThat(d.get("creatorId").asText()).isEqualTo(creator);
                assertThat(d.get("from").asText()).isEqualTo(from.toString());
                assertThat(d.get("to").asText()).isEqualTo(to.toString());
                assertThat(d.get("modelId").isNull()).isTrue();
                assertThat(d.get("grossEarnings").asText()).as(creator).isEqualTo(money(book.gross(mine, from, to)));
                assertThat(d.get("totalReversed").asText()).as(creator).isEqualTo(money(book.reversedBooked(mine, from, to)));
                assertThat(d.get("totalEarnings").asText()).as(creator).isEqualTo(money(net));
                assertThat(d.get("lifetimeEarnings").asText()).as(creator).isEqualTo(money(book.earned(creator)));
                assertThat(d.get("lifetimeReversed").asText()).as(creator)
                        .isEqualTo(money(book.reversedBooked(mine, LocalDate.MIN, LocalDate.MAX)));
                assertThat(d.get("totalUsage").asLong()).isEqualTo(period.size());
                assertThat(d.get("earningUses").asLong()).isEqualTo(period.stream().filter(u -> u.earnings().signum() > 0).count());
                assertThat(d.get("uniqueUsers").asLong()).isEqualTo(period.stream().map(Use::userId).distinct().count());
                Map<String, List<Use>> byModel = period.stream().collect(Collectors.groupingBy(u -> u.model().id()));
                assertThat(d.get("activeModels").asLong()).isEqualTo(byModel.size());
                assertThat(d.get("averagePerModel").asText())
                        .isEqualTo(money(net.divide(BigDecimal.valueOf(byModel.size()), 12, RoundingMode.HALF_EVEN)));
                assertThat(d.get("change").get("previousEarnings").asText()).isEqualTo(money(previous));
                assertThat(d.get("change").get("earningsChange").asText()).isEqualTo(money(net.subtract(previous)));
                assertThat(d.get("change").get("earningsChangeRatio").asText()).isEqualTo(previous.signum() == 0 ? ""
                        : net.subtract(previous).divide(previous, 4, RoundingMode.HALF_EVEN).toPlainString());

                // Models by the period's net earnings, then uses; the tier is the next use's.
                Function<String, BigDecimal> modelNet = m -> book.net(u -> u.model().id().equals(m), from, to);
                List<String> order = byModel.keySet().stream().sorted(Comparator.comparing(modelNet).reversed()
                        .thenComparing(m -> -byModel.get(m).size()).thenComparing(m -> m)).collect(Collectors.toList());
                assertThat(d.get("models")).extracting(m -> m.get("modelId").asText()).containsExactlyElementsOf(order);
                for (JsonNode m : d.get("models")) {
                    String modelId = m.get("modelId").asText();
                    long counted = book.counted(modelId);
                    assertThat(m.get("uses").asLong()).isEqualTo(byModel.get(modelId).size());
                    assertThat(m.get("earnings").asText()).isEqualTo(money(modelNet.apply(modelId)));
                    assertThat(m.get("tier").asInt()).isEqualTo(ExpectedEarnings.tier(counted + 1));
                    assertThat(new BigDecimal(m.get("multiplier").asText()))
                            .isEqualByComparingTo(ExpectedEarnings.tierMultiplier(counted + 1));
                    assertThat(m.get("usesToNextTier").asLong()).isEqualTo(ExpectedEarnings.nextThreshold(counted + 1) - counted);
                }

                // Thirty days, each its uses' earnings less the reversals made on it.
                assertThat(d.get("trend")).hasSize(30);
                for (int i = 0; i < 30; i++) {
                    JsonNode point = d.get("trend").get(i);
                    LocalDate day = from.plusDays(i);
                    assertThat(point.get("day").asText()).isEqualTo(day.toString());
                    assertThat(point.get("earnings").asText()).as(creator + " " + day).isEqualTo(money(book.net(mine, day,
                            day.plusDays(1))));
                    assertThat(point.get("uses").asLong()).isEqualTo(period.stream().filter(u -> u.day().equals(day)).count());
                }

                // The ten latest uses, newest first, each as rated and with what was reversed of it.
                List<Use> latest = period.stream().sorted(Comparator.comparing(Use::at).reversed()).limit(10)
                        .collect(Collectors.toList());
                assertThat(d.get("recentActivity")).hasSize(latest.size());
                Map<String, String> pseudonyms = new HashMap<>();
                for (int i = 0; i < latest.size(); i++) {
                    JsonNode a = d.get("recentActivity").get(i);
                    Use u = latest.get(i);
                    assertThat(a.get("at").asText()).isEqualTo(u.at().toString());
                    assertThat(a.get("modelId").asText()).isEqualTo(u.model().id());
                    assertThat(a.get("usageType").asText()).isEqualTo(u.type());
                    assertThat(a.get("tokens").asLong()).isEqualTo(u.tokens());
                    assertThat(a.get("earnings").asText()).isEqualTo(money(u.earnings()));
                    assertThat(a.get("reversed").asText()).isEqualTo(money(book.reversedOf(u)));
                    assertThat(a.get("isReversed").asBoolean()).isEqualTo(book.reversedOf(u).signum() > 0);
                    assertThat(a.get("user").asText()).matches("anon-[0-9a-f]{16}").doesNotContain(u.userId());
                    assertThat(pseudonyms.computeIfAbsent(u.userId(), k -> a.get("user").asText())).isEqualTo(a.get("user").asText());
                }
                assertThat(new HashSet<>(pseudonyms.values())).hasSameSizeAs(pseudonyms.keySet());

                assertFields(d.get("balance"), book.balance(creator, today, hold));
                assertThat(d.get("transactions")).extracting(p -> p.get("reference").asText() + " " + p.get("amountMinor").asLong()
                        + " " + p.get("status").asText()).containsExactlyElementsOf(creator.equals("ada")
                        ? List.of("ada-2 10 PENDING", "ada-1 20 COMPLETED") : List.of());

                // An admin reads the same dashboard.
                assertThat(call(app, ADMIN, "GET", "/api/creator-analytics?period=30&creatorId=" + creator, null).ok()).isEqualTo(d);
            }

            // One model, the last seven days.
            JsonNode week = call(app, ADA, "GET", "/api/creator-analytics?period=7&modelId=ada-sketch", null).ok();
            LocalDate weekFrom = today.minusDays(6);
            Predicate<Use> ofSketch = u -> u.model().id().equals("ada-sketch");
            assertThat(week.get("modelId").asText()).isEqualTo("ada-sketch");
            assertThat(week.get("activeModels").asLong()).isEqualTo(1);
            assertThat(week.get("totalUsage").asLong()).isEqualTo(book.uses(u -> ofSketch.test(u) && within(u, weekFrom, to)).size());
            assertThat(week.get("totalEarnings").asText()).isEqualTo(money(book.net(ofSketch, weekFrom, to)));
            assertThat(week.get("totalReversed").asText()).isEqualTo(money(book.reversedBooked(ofSketch, weekFrom, to)));
            assertThat(week.get("trend")).hasSize(7);

            // The platform, over 7 and 30 days.
            for (int days : List.of(7, 30)) {
                LocalDate since = today.minusDays(days - 1);
                List<Use> in = book.uses(u -> within(u, since, to));
                JsonNode t = call(app, ADMIN, "GET", "/api/admin/totals?period=" + days, null).ok();
                assertThat(t.get("from").asText()).isEqualTo(since.toString());
                assertThat(t.get("to").asText()).isEqualTo(to.toString());
                assertThat(t.get("earnings").asText()).as("%d days", days).isEqualTo(money(book.net(u -> true, since, to)));
                assertThat(t.get("reversed").asText()).isEqualTo(money(book.reversedBooked(u -> true, since, to)));
                assertThat(t.get("uses").asLong()).isEqualTo(in.size());
                assertThat(t.get("earningUses").asLong()).isEqualTo(in.size());
                assertThat(t.get("creatorsWithUsage").asLong()).isEqualTo(in.stream().map(Use::creatorId).distinct().count());
                assertThat(t.get("modelsWithUsage").asLong()).isEqualTo(in.stream().map(u -> u.model().id()).distinct().count());
                assertThat(t.get("newModels").asLong()).isEqualTo(5);
            }

            // The creators, by every sort, both ways, three a page; ties by creator id.
            List<String> creators = List.of("ada", "lin", "max", "ned");
            Map<String, Long> models = Map.of("ada", 2L, "lin", 1L, "max", 1L, "ned", 1L);
            Map<CreatorOverview.Sort, Function<String, BigDecimal>> keys = Map.of(
                    CreatorOverview.Sort.CREATOR_ID, c -> BigDecimal.ZERO,
                    CreatorOverview.Sort.LIFETIME_EARNINGS, book::earned,
                    CreatorOverview.Sort.PERIOD_EARNINGS, c -> book.net(u -> u.creatorId().equals(c), from, to),
                    CreatorOverview.Sort.PERIOD_USES, c -> BigDecimal.valueOf(book.uses(u -> u.creatorId().equals(c)
                            && within(u, from, to)).size()),
                    CreatorOverview.Sort.MODELS, c -> BigDecimal.valueOf(models.get(c)),
                    CreatorOverview.Sort.AVAILABLE_BALANCE, c -> new BigDecimal((String) book.balance(c, today, hold).get("available")));
            for (CreatorOverview.Sort sort : CreatorOverview.Sort.values()) {
                for (boolean ascending : List.of(true, false)) {
                    Comparator<String> byKey = sort == CreatorOverview.Sort.CREATOR_ID ? Comparator.naturalOrder()
                            : Comparator.comparing(keys.get(sort));
                    Comparator<String> expectedOrder = (ascending ? byKey : byKey.reversed()).thenComparing(Comparator.naturalOrder());
                    List<String> order = creators.stream().sorted(expectedOrder).collect(Collectors.toList());
                    List<String> shown = new ArrayList<>();
                    for (int page = 0; page <= 2; page++) {
                        JsonNode p = call(app, ADMIN, "GET", "/api/admin/creators?period=30&sort="
                                + (ascending ? sort.name() : sort.name().toLowerCase(Locale.ROOT)) + "&direction="
                                + (ascending ? "asc" : "desc") + "&page=" + page + "&size=3", null).ok();
                        assertThat(p.get("page").asInt()).isEqualTo(page);
                        assertThat(p.get("size").asInt()).isEqualTo(3);
                        assertThat(p.get("totalItems").asLong()).isEqualTo(4);
                        assertThat(p.get("totalPages").asLong()).isEqualTo(2);
                        assertThat(p.get("items")).hasSize(page == 0 ? 3 : page == 1 ? 1 : 0);
                        p.get("items").forEach(c -> shown.add(c.get("creatorId").asText()));
                    }
                    assertThat(shown).as("%s %s", sort, ascending ? "asc" : "desc").containsExactlyElementsOf(order);
                }
            }
            JsonNode overview = call(app, ADMIN, "GET", "/api/admin/creators?period=30", null).ok();
            assertThat(overview.get("size").asInt()).isEqualTo(50);
            assertThat(overview.get("items")).extracting(c -> c.get("creatorId").asText()).containsExactlyElementsOf(creators
                    .stream().sorted(Comparator.<String, BigDecimal>comparing(book::earned).reversed().thenComparing(Comparator.naturalOrder()))
                    .collect(Collectors.toList()));
            for (JsonNode c : overview.get("items")) {
                String creator = c.get("creatorId").asText();
                Predicate<Use> theirs = u -> u.creatorId().equals(creator);
                assertThat(c.get("lifetimeEarnings").asText()).isEqualTo(money(book.earned(creator)));
                assertThat(c.get("periodEarnings").asText()).isEqualTo(money(book.net(theirs, from, to)));
                assertThat(c.get("periodReversed").asText()).isEqualTo(money(book.reversedBooked(theirs, from, to)));
                assertThat(c.get("periodUses").asLong()).isEqualTo(book.uses(u -> theirs.test(u) && within(u, from, to)).size());
                assertThat(c.get("models").asLong()).isEqualTo(models.get(creator));
                assertFields(c.get("balance"), book.balance(creator, today, hold));
            }
        }
    }

    // ------------------------------------------------------------------ insights

    /** A use the insights test recorded: its model, creator, usage type and time. */
    record Logged(String modelId, String creatorId, String type, Instant at) {
    }

    /**
     * Sixty days of uses of five models of three creators, recorded day by day as the clock moves
     * on: ada's chat model steady but for a spike on day 45, her image model 92 uses (8 short of
     * its second tier), a model of hers with monetization off used from day 40, bob's and cy's
     * models with chat and other uses. Its {@code earnings.insights.minimum-creators} is 3: chat
     * is used by three creators, other by two, image generation by one (the two withheld cover
     * three creators together, so that chat's figures may be shown: see {@code MarketInsights}).
     */
    private static final int HISTORY_DAYS = 60;
    private static final int SPIKE_DAY = 45;

    private List<Logged> sixtyDays(App app, ExpectedEarnings book) {
        Model adaChat = register(app, new Model("ada-chat", "ada", "0.10", "0"));
        Model adaImage = register(app, new Model("ada-image", "ada", "0.20", "0"));
        Model adaFree = register(app, new Model("ada-free", "ada", "0.10", "0"));
        Model bobChat = register(app, new Model("bob-chat", "bob", "0.05", "0.0001"));
        Model cyChat = register(app, new Model("cy-chat", "cy", "0.07", "0"));
        app.earnings().models().setMonetized(adaFree.id(), false);
        List<Logged> logged = new ArrayList<>();
        for (int day = 1; day <= HISTORY_DAYS; day++) {
            app.advance(Duration.ofDays(1));
            List<UsageRequest> uses = new ArrayList<>();
            Instant now = app.now();
            int d = day;
            BiConsumerOf add = (model, count, type, spacing) -> {
                for (int i = 0; i < count; i++) {
                    Instant at = now.minus(spacing.multipliedBy(i));
                    String eventId = model.id() + "-" + d + "-" + type + "-" + i;
                    if (model != adaFree) {
                        book.use(eventId, model, "user-" + i % 4, 10, type, at);
                    }
                    uses.add(UsageRequest.builder("user-" + i % 4, model.id()).eventId(eventId).tokensConsumed(10).usageType(type)
                            .occurredAt(at).build());
                    logged.add(new Logged(model.id(), model.creatorId(), type, at));
                }
            };
            add.accept(adaChat, day == SPIKE_DAY ? 40 : 4 + day % 3, "chat", Duration.ofMinutes(day == SPIKE_DAY ? 5 : 53));
            add.accept(adaImage, day % 2 == 0 ? 3 : day == 59 ? 2 : 0, "image_generation", Duration.ofMinutes(71));
            add.accept(adaFree, day >= 40 ? 1 : 0, "chat", Duration.ofMinutes(1));
            add.accept(bobChat, 3, "chat", Duration.ofMinutes(97));
            add.accept(bobChat, 1, "other", Duration.ofMinutes(13));
            add.accept(cyChat, 2, "chat", Duration.ofMinutes(131));
            add.accept(cyChat, 2, "other", Duration.ofMinutes(29));
            assertThat(app.earnings().logModelUsageBatch(uses).rejected()).as("day %d", day).isZero();
        }
        return logged;
    }

    /** Adds a model's uses of a day, {@code spacing} apart back from now. */
    @FunctionalInterface
    interface BiConsumerOf {
        void accept(Model model, int count, String type, Duration spacing);
    }

    /** The JSON of a library result as JsonView writes it, read back as a tree, to compare with an answer. */
    static JsonNode view(Map<String, Object> view) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(view));
    }

    static JsonNode view(String name, List<Map<String, Object>> items) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(name, items);
        return view(out);
    }

    @Test
    void insights_answerWhatTheLibraryAnswers_withTheFiguresOfTheUsesRecorded() throws Exception {
        try (App app = start("earnings.insights.minimum-creators=3")) {
            ExpectedEarnings book = new ExpectedEarnings();
            List<Logged> logged = sixtyDays(app, book);
            Insights insights = app.earnings().insights();
            Caller ada = Caller.creator("ada");
            Caller admin = Caller.admin(ADMIN.name());
            LocalDate today = app.today();
            ZoneId kolkata = ZoneId.of("Asia/Kolkata");
            ZoneId newYork = ZoneId.of("America/New_York");

            // Forecasts: of the creator, of one model, in other zones, and an admin's.
            JsonNode week = call(app, ADA, "GET", "/api/insights/forecast?days=7", null).ok();
            assertThat(week).isEqualTo(view(JsonView.forecast(insights.forecastCreator(ada, "ada", 7, ZoneOffset.UTC))));
            assertThat(week.get("days")).hasSize(7);
            assertThat(week.get("days").get(0).get("day").asText()).isEqualTo(today.plusDays(1).toString());
            assertThat(week.get("historyTo").asText()).isEqualTo(today.toString());
            assertThat(week.get("tiers")).extracting(t -> t.get("modelId").asText())
                    .containsExactlyInAnyOrder("ada-chat", "ada-image", "ada-free");
            assertThat(call(app, ADA, "GET", "/api/insights/forecast?days=30&zone=Asia/Kolkata&modelId=ada-chat", null).ok())
                    .isEqualTo(view(JsonView.forecast(insights.forecastModel(ada, "ada-chat", 30, kolkata))));
            assertThat(call(app, ADMIN, "GET", "/api/insights/forecast?days=90&zone=America/New_York&creatorId=ada", null).ok())
                    .isEqualTo(view(JsonView.forecast(insights.forecastCreator(admin, "ada", 90, newYork))));
            JsonNode image = call(app, ADMIN, "GET", "/api/insights/forecast?creatorId=ada&modelId=ada-image", null).ok();
            assertThat(image).isEqualTo(view(JsonView.forecast(insights.forecastModel(admin, "ada-image", 30, ZoneOffset.UTC))));
            assertThat(image.get("tiers")).singleElement().satisfies(t -> {
                assertThat(t.get("countedUses").asLong()).isEqualTo(92);
                assertThat(t.get("usesToNextTier").asLong()).isEqualTo(8);
            });

            // Comparisons: uses and earnings of each model as recorded here.
            JsonNode compared = call(app, ADA, "GET", "/api/insights/compare?models=ada-image,ada-chat&period=30", null).ok();
            assertThat(compared).isEqualTo(view(JsonView.comparison(insights.compareModels(ada, "ada", List.of("ada-image",
                    "ada-chat"), ReportPeriod.lastDays(30)))));
            LocalDate from30 = today.minusDays(29);
            assertThat(compared.get("models")).extracting(m -> m.get("modelId").asText()).containsExactly("ada-image", "ada-chat");
            for (JsonNode m : compared.get("models")) {
                String id = m.get("modelId").asText();
                Predicate<Use> of = u -> u.model().id().equals(id);
                assertThat(m.get("uses").asLong()).isEqualTo(book.uses(u -> of.test(u) && within(u, from30, today.plusDays(1)))
                        .size());
                assertThat(m.get("earnings").asText()).isEqualTo(money(book.net(of, from30, today.plusDays(1))));
            }
            assertThat(call(app, ADMIN, "GET", "/api/insights/compare?creatorId=ada&models=ada-chat,ada-image,ada-free&period=90"
                    + "&zone=Europe/Paris", null).ok()).isEqualTo(view(JsonView.comparison(insights.compareModels(admin, "ada",
                    List.of("ada-chat", "ada-image", "ada-free"), ReportPeriod.lastDays(90).in(ZoneId.of("Europe/Paris"))))));

            // The market: k = 3 withholds from a creator the usage types of fewer creators; an admin sees all.
            JsonNode market = call(app, ADA, "GET", "/api/insights/market?period=30", null).ok();
            assertThat(market).isEqualTo(view(JsonView.market(insights.market(ada, ReportPeriod.lastDays(30)))));
            assertThat(market.get("minimumCreators").asInt()).isEqualTo(3);
            assertThat(market.get("anonymized").asBoolean()).isTrue();
            Map<String, JsonNode> shown = new HashMap<>();
            market.get("byUsageType").forEach(b -> shown.put(b.get("key").asText(), b.get("figures")));
            assertThat(shown.keySet()).containsExactlyInAnyOrder("chat", "other", "image_generation");
            assertThat(shown.get("chat").get("creators").asLong()).isEqualTo(3);
            assertThat(shown.get("other").isNull()).as("other: two creators").isTrue();
            assertThat(shown.get("image_generation").isNull()).as("image generation: one creator").isTrue();
            JsonNode all = call(app, ADMIN, "GET", "/api/insights/market?period=30", null).ok();
            assertThat(all).isEqualTo(view(JsonView.market(insights.market(admin, ReportPeriod.lastDays(30)))));
            assertThat(all.get("anonymized").asBoolean()).isFalse();
            for (JsonNode bucket : all.get("byUsageType")) {
                String type = bucket.get("key").asText();
                List<Logged> ofType = logged.stream().filter(l -> l.type().equals(type)
                        && !LocalDate.ofInstant(l.at(), ZoneOffset.UTC).isBefore(from30)).collect(Collectors.toList());
                assertThat(bucket.get("figures").get("uses").asLong()).as(type).isEqualTo(ofType.size());
                assertThat(bucket.get("figures").get("creators").asLong()).as(type)
                        .isEqualTo(ofType.stream().map(Logged::creatorId).distinct().count());
            }
            assertThat(call(app, ADA, "GET", "/api/insights/market?period=90&zone=Asia/Kathmandu", null).ok()).isEqualTo(view(
                    JsonView.market(insights.market(ada, ReportPeriod.lastDays(90).in(ZoneId.of("Asia/Kathmandu"))))));

            // Alerts: none before the spike's day is checked; the check raises them once.
            LocalDate spike = LocalDate.ofInstant(ServedEndpoints.START.plus(Duration.ofDays(SPIKE_DAY)), ZoneOffset.UTC);
            assertThat(call(app, ADA, "GET", "/api/insights/alerts?period=30", null).ok()).isEqualTo(view("alerts", List.of()));
            JsonNode raised = call(app, ADMIN, "POST", "/api/admin/insights/check", "{\"day\":\"" + spike + "\"}").ok();
            List<Alert> stored = insights.alerts(admin, "ada", ReportPeriod.between(spike, spike.plusDays(1)));
            assertThat(raised).isEqualTo(view("alerts", stored.stream().map(JsonView::alert).collect(Collectors.toList())));
            assertThat(raised.get("alerts")).extracting(a -> a.get("modelId").asText() + " " + a.get("metric").asText() + " "
                    + a.get("direction").asText()).containsExactlyInAnyOrder("ada-chat uses above", "ada-chat earnings above");
            long spikeUses = logged.stream().filter(l -> l.modelId().equals("ada-chat")
                    && LocalDate.ofInstant(l.at(), ZoneOffset.UTC).equals(spike)).count();
            assertThat(raised.get("alerts")).filteredOn(a -> a.get("metric").asText().equals("uses")).singleElement()
                    .satisfies(a -> assertThat(new BigDecimal(a.get("value").asText())).isEqualByComparingTo(
                            BigDecimal.valueOf(spikeUses)));
            assertThat(call(app, ADMIN, "POST", "/api/admin/insights/check", "{\"day\":\"" + spike + "\"}").ok())
                    .isEqualTo(view("alerts", List.of()));
            JsonNode alerts = call(app, ADA, "GET", "/api/insights/alerts?period=30&zone=Europe/Paris", null).ok();
            assertThat(alerts).isEqualTo(view("alerts", insights.alerts(ada, "ada", ReportPeriod.lastDays(30)
                    .in(ZoneId.of("Europe/Paris"))).stream().map(JsonView::alert).collect(Collectors.toList())));
            assertThat(alerts.get("alerts")).hasSize(2);
            assertThat(call(app, ADMIN, "GET", "/api/insights/alerts?creatorId=bob&period=90", null).ok()).isEqualTo(view("alerts",
                    insights.alerts(admin, "bob", ReportPeriod.lastDays(90)).stream().map(JsonView::alert)
                            .collect(Collectors.toList())));

            // Goals: April in UTC earned what April's uses earned; May's small target is reached at once.
            YearMonth april = YearMonth.of(2026, 4);
            JsonNode set = call(app, ADA, "POST", "/api/insights/goals", goal("2026-04", null, "1000.00", null)).ok();
            assertThat(set).isEqualTo(view(JsonView.goal(insights.goal(ada, "ada", april).orElseThrow())));
            assertThat(set.get("zone").asText()).isEqualTo("UTC");
            assertThat(set.get("earned").asText()).isEqualTo(money(book.net(u -> u.creatorId().equals("ada"),
                    LocalDate.of(2026, 4, 1), LocalDate.of(2026, 5, 1))));
            assertThat(set.get("reached").asBoolean()).isFalse();
            assertThat(set.get("setBy").asText()).isEqualTo("ada");
            JsonNode may = call(app, ADMIN, "POST", "/api/insights/goals", goal("2026-05", "Europe/Paris", "0.01", "ada")).ok();
            assertThat(may).isEqualTo(view(JsonView.goal(insights.goal(admin, "ada", YearMonth.of(2026, 5)).orElseThrow())));
            assertThat(may.get("reached").asBoolean()).isTrue();
            assertThat(may.get("reachedAt").asText()).isEqualTo(app.now().toString());
            assertThat(may.get("setBy").asText()).isEqualTo(ADMIN.name());
            String before = fingerprint(app);
            assertProblem(call(app, ADA, "POST", "/api/insights/goals", goal("2026-05", "Europe/Paris", "5.00", null)), 400, "month");
            assertThat(fingerprint(app)).isEqualTo(before);
            JsonNode goals = call(app, ADA, "GET", "/api/insights/goals", null).ok();
            assertThat(goals).isEqualTo(view("goals", insights.goals(ada, "ada").stream().map(JsonView::goal)
                    .collect(Collectors.toList())));
            assertThat(goals.get("goals")).extracting(g -> g.get("month").asText()).containsExactly("2026-05", "2026-04");
            assertThat(call(app, ADMIN, "GET", "/api/insights/goals?creatorId=ada", null).ok()).isEqualTo(goals);
            assertThat(call(app, ADA, "DELETE", "/api/insights/goals/2026-04", null).ok()).isEqualTo(JSON.readTree(
                    "{\"deleted\":true}"));
            assertThat(call(app, ADMIN, "DELETE", "/api/insights/goals/2026-04?creatorId=ada", null).ok()).isEqualTo(JSON.readTree(
                    "{\"deleted\":false}"));
            assertThat(insights.goals(admin, "ada")).extracting(g -> g.month().toString()).containsExactly("2026-05");

            // Recommendations: ada's image model is 8 uses short of its tier; her free model is used;
            // her uses of one type earn at least half again as much per use as another's.
            JsonNode recommended = call(app, ADA, "GET", "/api/insights/recommendations", null).ok();
            assertThat(recommended).isEqualTo(view("recommendations", insights.recommendations(ada, "ada").stream()
                    .map(JsonView::recommendation).collect(Collectors.toList())));
            assertThat(recommended.get("recommendations")).extracting(r -> r.get("kind").asText() + " " + r.get("modelId").asText())
                    .containsExactly("NEXT_TIER_CLOSE ada-image", "MONETIZATION_OFF ada-free", "USAGE_TYPE_EARNS_MOST null");
            assertThat(recommended.get("recommendations").get(0).get("figures").get("usesToGo").asText()).isEqualTo("8");
            assertThat(recommended.get("recommendations").get(1).get("figures").get("usesLast30Days").asText())
                    .isEqualTo(Long.toString(logged.stream().filter(l -> l.modelId().equals("ada-free")
                            && !LocalDate.ofInstant(l.at(), ZoneOffset.UTC).isBefore(today.minusDays(29))).count()));
            assertThat(call(app, ADMIN, "GET", "/api/insights/recommendations?creatorId=ada", null).ok()).isEqualTo(recommended);

            // The dashboard in a zone, filtered by usage type and models.
            JsonNode d = call(app, ADA, "GET", "/api/creator-analytics?period=30&zone=Asia/Kolkata&usageType=chat,other"
                    + "&models=ada-chat,ada-image", null).ok();
            assertThat(d).isEqualTo(view(JsonView.dashboard(app.earnings().analytics().creatorDashboard(ada, "ada",
                    DashboardQuery.of(ReportPeriod.lastDays(30)).in(kolkata).limits(10, 10, 10)
                            .filter(new ReportFilter(Set.of("ada-chat", "ada-image"), Set.of("chat", "other")))))));
            LocalDate localToday = LocalDate.ofInstant(app.now(), kolkata);
            assertThat(d.get("zone").asText()).isEqualTo("Asia/Kolkata");
            assertThat(d.get("from").asText()).isEqualTo(localToday.minusDays(29).toString());
            assertThat(d.get("totalUsage").asLong()).isEqualTo(logged.stream().filter(l -> l.modelId().equals("ada-chat")
                    && !LocalDate.ofInstant(l.at(), kolkata).isBefore(localToday.minusDays(29))).count());
            assertThat(d.get("models")).extracting(m -> m.get("modelId").asText()).containsExactly("ada-chat");
            JsonNode images = call(app, ADMIN, "GET", "/api/creator-analytics?creatorId=ada&period=7&usageType=image_generation",
                    null).ok();
            assertThat(images).isEqualTo(view(JsonView.dashboard(app.earnings().analytics().creatorDashboard(admin, "ada",
                    DashboardQuery.of(ReportPeriod.lastDays(7)).limits(10, 10, 10).filter(new ReportFilter(Set.of(),
                            Set.of("image_generation")))))));
            assertThat(images.get("zone").asText()).isEqualTo("UTC");
            assertThat(images.get("totalUsage").asLong()).isEqualTo(book.uses(u -> u.type().equals("image_generation")
                    && within(u, today.minusDays(6), today.plusDays(1))).size());
        }
    }

    @Test
    void insightProperties_reachTheLibrary_kWithholdsEveryBucketFromACreator_andTheDailyCheckIsScheduled() throws Exception {
        // The shared application sets neither: k is the library's 10, and no daily check is scheduled.
        assertThat(call(shared, ADA, "GET", "/api/insights/market", null).ok().get("minimumCreators").asInt()).isEqualTo(10);
        assertThat(sql(shared, "SELECT task_name FROM %s", "earnings_scheduled_tasks")).doesNotContain(row("earnings-insights"));
        try (App app = start("earnings.insights.minimum-creators=1000", "earnings.insights.daily-checks=true")) {
            for (String creator : List.of("ada", "bob", "cy")) {
                register(app, new Model(creator + "-k", creator, "0.10", "0"));
                for (String type : List.of("chat", "other")) {
                    app.earnings().logModelUsage(UsageRequest.builder("user-1", creator + "-k").tokensConsumed(1).usageType(type)
                            .build());
                }
            }
            JsonNode market = call(app, ADA, "GET", "/api/insights/market?period=7", null).ok();
            assertThat(market.get("minimumCreators").asInt()).isEqualTo(1000);
            assertThat(market.get("anonymized").asBoolean()).isTrue();
            assertThat(market.get("byUsageType")).extracting(b -> b.get("key").asText()).containsExactlyInAnyOrder("chat", "other");
            assertThat(market.get("byUsageType")).allSatisfy(b -> assertThat(b.get("figures").isNull()).isTrue());
            assertThat(market.get("growth").get("current").isNull()).isTrue();
            JsonNode all = call(app, ADMIN, "GET", "/api/insights/market?period=7", null).ok();
            assertThat(all.get("minimumCreators").asInt()).isEqualTo(1000);
            assertThat(all.get("byUsageType")).allSatisfy(b -> assertThat(b.get("figures").get("creators").asLong()).isEqualTo(3));
            assertThat(sql(app, "SELECT task_name FROM %s", "earnings_scheduled_tasks")).contains(row("earnings-insights"));
        }
    }

    // ------------------------------------------------------------------ payouts

    @Test
    void payouts_areCreated_completed_failed_andCancelled_eachOnlyFromPending() throws Exception {
        register(shared, new Model("pay-model", "paula", "1.00", "0"));
        for (int i = 0; i < 3; i++) {
            shared.earnings().logModelUsage(UsageRequest.builder("user-" + i, "pay-model").eventId("pay-use-" + i)
                    .usageType("image_generation").tokensConsumed(0).build());
        }
        ExpectedEarnings book = new ExpectedEarnings();
        String body = "{\"creatorId\":\"paula\",\"amountMinor\":100,\"reference\":\"pay-1\",\"note\":\"March\"}";
        JsonNode created = call(shared, ADMIN, "POST", "/api/admin/payouts", body).ok();
        long id = created.get("id").asLong();
        assertThat(created.get("creatorId").asText()).isEqualTo("paula");
        assertThat(created.get("reference").asText()).isEqualTo("pay-1");
        assertThat(created.get("amountMinor").asLong()).isEqualTo(100);
        assertThat(created.get("amount").asText()).isEqualTo("1.00");
        assertThat(created.get("status").asText()).isEqualTo("PENDING");
        assertThat(created.get("createdAt").asText()).isEqualTo(shared.now().toString());
        assertThat(created.get("updatedBy").asText()).isEqualTo(ADMIN.name());
        assertThat(created.get("statusReason").isNull()).isTrue();
        assertThat(sql(shared, "SELECT amount_minor, status, note FROM %s WHERE creator_id = 'paula'", "earnings_transactions"))
                .containsExactly(row(100L, "PENDING", "March"));
        // The same reference is the same payout; with another amount it is refused.
        assertThat(call(shared, ADMIN, "POST", "/api/admin/payouts", body).ok()).isEqualTo(created);
        assertProblem(call(shared, ADMIN, "POST", "/api/admin/payouts", body.replace("100", "99")), 400, "reference");
        assertThat(count(shared, "SELECT COUNT(*) FROM %s WHERE creator_id = 'paula'", "earnings_transactions")).isEqualTo(1);

        JsonNode completed = call(shared, ADMIN, "POST", "/api/admin/payouts/" + id + "/complete", "{\"reason\":\"wire 7\"}").ok();
        assertThat(completed.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(completed.get("statusReason").asText()).isEqualTo("wire 7");
        for (String action : List.of("fail", "cancel", "complete")) {
            assertProblem(call(shared, ADMIN, "POST", "/api/admin/payouts/" + id + "/" + action, "{\"reason\":\"again\"}"), 409,
                    "status");
        }

        long second = call(shared, ADMIN, "POST", "/api/admin/payouts", "{\"creatorId\":\"paula\",\"amountMinor\":50,"
                + "\"reference\":\"pay-2\"}").ok().get("id").asLong();
        assertProblem(call(shared, ADMIN, "POST", "/api/admin/payouts/" + second + "/fail", "{}"), 400, "reason");
        JsonNode failed = call(shared, ADMIN, "POST", "/api/admin/payouts/" + second + "/fail", "{\"reason\":\"bounced\"}").ok();
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("statusReason").asText()).isEqualTo("bounced");
        long third = call(shared, ADMIN, "POST", "/api/admin/payouts", "{\"creatorId\":\"paula\",\"amountMinor\":25,"
                + "\"reference\":\"pay-3\"}").ok().get("id").asLong();
        assertThat(call(shared, ADMIN, "POST", "/api/admin/payouts/" + third + "/cancel", "{}").ok().get("status").asText())
                .isEqualTo("CANCELLED");

        // Paid 1.00 of 3.00; what failed or was cancelled is available again, and no more than that can be paid.
        for (int i = 0; i < 3; i++) {
            book.use("pay-use-" + i, new Model("pay-model", "paula", "1.00", "0"), "user-" + i, 0, "image_generation", shared.now());
        }
        book.payoutCreated("paula", 100);
        book.payoutCompleted("paula", 100);
        Map<String, Object> balance = book.balance("paula", shared.today(), 0);
        assertThat(balance.get("availableMinor")).isEqualTo(200L);
        assertProblem(call(shared, ADMIN, "POST", "/api/admin/payouts", "{\"creatorId\":\"paula\",\"amountMinor\":201,"
                + "\"reference\":\"pay-4\"}"), 409, "amountMinor");
        JsonNode dashboard = call(shared, creator("paula"), "GET", "/api/creator-analytics", null).ok();
        assertFields(dashboard.get("balance"), balance);
        assertThat(dashboard.get("transactions")).extracting(p -> p.get("id").asLong() + " " + p.get("status").asText())
                .containsExactly(third + " CANCELLED", second + " FAILED", id + " COMPLETED");
        assertThat(sql(shared, "SELECT status, amount_minor FROM %s WHERE creator_id = 'paula' ORDER BY status",
                "earnings_transactions")).containsExactly(row("CANCELLED", 25L), row("COMPLETED", 100L), row("FAILED", 50L));
    }

    @Test
    void bulkPayout_aDryRunWritesNothing_andARealRunPaysNobodyTwice() throws Exception {
        try (App app = start()) {
            Model ann = register(app, new Model("ann-model", "ann", "1.00", "0"));
            Model ben = register(app, new Model("ben-model", "ben", "0.50", "0"));
            register(app, new Model("cy-model", "cy", "1.00", "0"));
            ExpectedEarnings book = new ExpectedEarnings();
            for (String[] u : new String[][] {{"ann-1", "ann-model"}, {"ann-2", "ann-model"}, {"ann-3", "ann-model"},
                {"ben-1", "ben-model"}}) {
                call(app, TRACKER, "POST", TRACK, use(u[0], u[1], "user-1", 0, "image_generation")).ok();
                book.use(u[0], u[1].equals("ann-model") ? ann : ben, "user-1", 0, "image_generation", app.now());
            }
            long annAvailable = ExpectedEarnings.minor(book.earned("ann"));
            long benAvailable = ExpectedEarnings.minor(book.earned("ben"));
            assertThat(annAvailable).isEqualTo(300);
            assertThat(benAvailable).isEqualTo(50);

            String before = fingerprint(app);
            for (String dry : List.of(",\"dryRun\":true", "")) {
                JsonNode run = call(app, ADMIN, "POST", "/api/admin/payouts/bulk", "{\"batchReference\":\"march\","
                        + "\"thresholdMinor\":100" + dry + "}").ok();
                assertThat(run.get("batchReference").asText()).isEqualTo("march");
                assertThat(run.get("thresholdMinor").asLong()).isEqualTo(100);
                assertThat(run.get("dryRun").asBoolean()).isTrue();
                assertThat(items(run)).containsExactly("ann " + annAvailable + " WOULD_CREATE -", "ben " + benAvailable
                        + " BELOW_THRESHOLD -");
                assertThat(fingerprint(app)).isEqualTo(before);
            }

            String real = "{\"batchReference\":\"march\",\"thresholdMinor\":100,\"dryRun\":false}";
            JsonNode paid = call(app, ADMIN, "POST", "/api/admin/payouts/bulk", real).ok();
            assertThat(paid.get("dryRun").asBoolean()).isFalse();
            assertThat(items(paid)).containsExactly("ann " + annAvailable + " CREATED " + annAvailable, "ben " + benAvailable
                    + " BELOW_THRESHOLD -");
            JsonNode payout = paid.get("items").get(0).get("payout");
            assertThat(payout.get("reference").asText()).isEqualTo("march:ann");
            assertThat(payout.get("status").asText()).isEqualTo("PENDING");
            assertThat(payout.get("updatedBy").asText()).isEqualTo(ADMIN.name());
            book.payoutCreated("ann", annAvailable);
            assertFields(overviewRow(app, "ann").get("balance"), book.balance("ann", app.today(), 0));

            // Run again, and again after ann has earned more: the batch has paid ann, and pays ann nothing more.
            JsonNode again = call(app, ADMIN, "POST", "/api/admin/payouts/bulk", real).ok();
            assertThat(items(again)).containsExactly("ann 0 ALREADY_CREATED " + annAvailable, "ben " + benAvailable
                    + " BELOW_THRESHOLD -");
            assertThat(again.get("items").get(0).get("payout")).isEqualTo(payout);
            call(app, TRACKER, "POST", TRACK, use("ann-4", "ann-model", "user-2", 0, "image_generation")).ok();
            book.use("ann-4", ann, "user-2", 0, "image_generation", app.now());
            assertThat(items(call(app, ADMIN, "POST", "/api/admin/payouts/bulk", real).ok())).containsExactly(
                    "ann 100 ALREADY_CREATED " + annAvailable, "ben " + benAvailable + " BELOW_THRESHOLD -");
            assertThat(count(app, "SELECT COUNT(*) FROM %s", "earnings_transactions")).isEqualTo(1);

            // Another batch pays what has come since, to both.
            assertThat(items(call(app, ADMIN, "POST", "/api/admin/payouts/bulk", "{\"batchReference\":\"april\","
                    + "\"thresholdMinor\":50,\"dryRun\":false}").ok())).containsExactly("ann 100 CREATED 100", "ben 50 CREATED 50");
            assertThat(sql(app, "SELECT creator_id, reference, amount_minor FROM %s ORDER BY id", "earnings_transactions"))
                    .containsExactly(row("ann", "march:ann", 300L), row("ann", "april:ann", 100L), row("ben", "april:ben", 50L));
        }
    }

    /** A bulk run's lines: creator, available minor units, outcome and the payout's amount. */
    private static List<String> items(JsonNode run) {
        List<String> lines = new ArrayList<>();
        run.get("items").forEach(i -> lines.add(i.get("creatorId").asText() + " " + i.get("availableMinor").asLong() + " "
                + i.get("outcome").asText() + " " + (i.get("payout").isNull() ? "-" : i.get("payout").get("amountMinor").asLong())));
        return lines;
    }

    private JsonNode overviewRow(App app, String creator) throws Exception {
        for (JsonNode c : call(app, ADMIN, "GET", "/api/admin/creators?period=30", null).ok().get("items")) {
            if (c.get("creatorId").asText().equals(creator)) {
                return c;
            }
        }
        throw new AssertionError(creator + " is not in the creators overview");
    }

    // ------------------------------------------------------------------ reversals

    @Test
    void reversal_partThenTheRest_neverMoreThanRemains_andReplaysByCorrectionId() throws Exception {
        Model model = register(shared, new Model("rev-model", "rita", "0.01", "0.0001"));
        ExpectedEarnings book = new ExpectedEarnings();
        call(shared, TRACKER, "POST", TRACK, use("rev-1", model.id(), "user-r", 40, "image_generation")).ok();
        Use used = book.use("rev-1", model, "user-r", 40, "image_generation", shared.now());
        BigDecimal earned = used.earnings();
        assertThat(earned).isEqualByComparingTo("0.014");
        shared.advance(Duration.ofMinutes(1));

        String part = "{\"eventId\":\"rev-1\",\"amount\":\"0.0005\",\"correctionId\":\"rev-fix-1\",\"reason\":\"half lost\"}";
        JsonNode first = call(shared, ADMIN, "POST", "/api/admin/reversals", part).ok();
        book.reverse("rev-1", new BigDecimal("0.0005"), shared.now());
        assertThat(first.get("correctionId").asText()).isEqualTo("rev-fix-1");
        assertThat(first.get("eventId").asText()).isEqualTo("rev-1");
        assertThat(first.get("modelId").asText()).isEqualTo("rev-model");
        assertThat(first.get("creatorId").asText()).isEqualTo("rita");
        assertThat(first.get("amount").asText()).isEqualTo("0.000500000000");
        assertThat(first.get("remaining").asText()).isEqualTo(money(earned.subtract(new BigDecimal("0.0005"))));
        assertThat(first.get("actor").asText()).isEqualTo(ADMIN.name());
        assertThat(first.get("reason").asText()).isEqualTo("half lost");
        assertThat(first.get("reversedAt").asText()).isEqualTo(shared.now().toString());
        assertThat(first.get("replayed").asBoolean()).isFalse();
        assertFields(first.get("balance"), book.balance("rita", shared.today(), 0));

        // The same request again is the same reversal; nothing is taken twice.
        JsonNode again = call(shared, ADMIN, "POST", "/api/admin/reversals", part).ok();
        assertThat(again.get("replayed").asBoolean()).isTrue();
        assertThat(again.get("amount")).isEqualTo(first.get("amount"));
        assertThat(again.get("remaining")).isEqualTo(first.get("remaining"));
        assertThat(again.get("balance")).isEqualTo(first.get("balance"));
        // The correction id with another amount, another use, or no amount: a conflict naming what differs.
        Answer otherAmount = call(shared, ADMIN, "POST", "/api/admin/reversals", part.replace("0.0005", "0.0004"));
        assertProblem(otherAmount, 409, "amount");
        assertThat(otherAmount.body().get("detail").asText()).contains("rev-fix-1");
        assertProblem(call(shared, ADMIN, "POST", "/api/admin/reversals", part.replace("\"rev-1\"", "\"ada-use-9\"")), 409, "eventId");
        assertProblem(call(shared, ADMIN, "POST", "/api/admin/reversals", part.replace("\"amount\":\"0.0005\",", "")), 409, "amount");

        // More than remains: refused, saying what remains.
        BigDecimal remaining = earned.subtract(new BigDecimal("0.0005"));
        Answer tooMuch = call(shared, ADMIN, "POST", "/api/admin/reversals", part.replace("rev-fix-1", "rev-fix-2")
                .replace("0.0005", earned.toPlainString()));
        assertProblem(tooMuch, 409, "amount");
        assertThat(tooMuch.body().get("detail").asText()).contains("has " + remaining.stripTrailingZeros().toPlainString()
                + " left to reverse");

        // The rest, with no amount; then nothing remains.
        shared.advance(Duration.ofMinutes(1));
        String rest = "{\"eventId\":\"rev-1\",\"correctionId\":\"rev-fix-3\",\"reason\":\"refunded in full\"}";
        JsonNode all = call(shared, ADMIN, "POST", "/api/admin/reversals", rest).ok();
        book.reverse("rev-1", remaining, shared.now());
        assertThat(all.get("amount").asText()).isEqualTo(money(remaining));
        assertThat(all.get("remaining").asText()).isEqualTo(money(BigDecimal.ZERO));
        assertFields(all.get("balance"), book.balance("rita", shared.today(), 0));
        Answer nothingLeft = call(shared, ADMIN, "POST", "/api/admin/reversals", rest.replace("rev-fix-3", "rev-fix-4"));
        assertProblem(nothingLeft, 409, "amount");
        assertThat(nothingLeft.body().get("detail").asText()).contains("has 0 left to reverse");
        assertThat(sql(shared, "SELECT correction_id, amount FROM %s WHERE event_id = 'rev-1' ORDER BY id", "earnings_reversals"))
                .extracting(row -> row.get(0) + " " + ((BigDecimal) row.get(1)).stripTrailingZeros().toPlainString())
                .containsExactly("rev-fix-1 0.0005", "rev-fix-3 " + remaining.stripTrailingZeros().toPlainString());

        // The creator's dashboard: the use earned, and all of it was taken back today.
        JsonNode d = call(shared, creator("rita"), "GET", "/api/creator-analytics?period=7", null).ok();
        assertThat(d.get("grossEarnings").asText()).isEqualTo(money(earned));
        assertThat(d.get("totalReversed").asText()).isEqualTo(money(earned));
        assertThat(d.get("totalEarnings").asText()).isEqualTo(money(BigDecimal.ZERO));
        assertThat(d.get("lifetimeEarnings").asText()).isEqualTo(money(BigDecimal.ZERO));
        assertThat(d.get("recentActivity")).singleElement().satisfies(a -> {
            assertThat(a.get("earnings").asText()).isEqualTo(money(earned));
            assertThat(a.get("reversed").asText()).isEqualTo(money(earned));
            assertThat(a.get("isReversed").asBoolean()).isTrue();
        });
    }

    // ------------------------------------------------------------------ the audit log

    @Test
    void auditLog_listsEveryChange_newestFirst_filteredAndPaged() throws Exception {
        try (App app = start()) {
            register(app, new Model("aud-model", "ann", "1.00", "0"));
            for (int i = 0; i < 3; i++) {
                call(app, TRACKER, "POST", TRACK, use("aud-use-" + i, "aud-model", "user-1", 0, "image_generation")).ok();
            }
            Who admin2 = new Who("admin-2", List.of("EARNINGS_ADMIN"));
            // Five changes, a minute apart, by two admins.
            List<Instant> at = new ArrayList<>();
            long first = aMinuteLater(app, at, ADMIN, "/api/admin/payouts", payout("ann", 100, "aud-1")).get("id").asLong();
            aMinuteLater(app, at, ADMIN, "/api/admin/payouts/" + first + "/complete", "{\"reason\":\"wire\"}");
            long second = aMinuteLater(app, at, admin2, "/api/admin/payouts", payout("ann", 50, "aud-2")).get("id").asLong();
            aMinuteLater(app, at, admin2, "/api/admin/payouts/" + second + "/cancel", "{\"reason\":\"twice\"}");
            aMinuteLater(app, at, ADMIN, "/api/admin/reversals", "{\"eventId\":\"aud-use-0\",\"amount\":\"0.001\","
                    + "\"correctionId\":\"aud-fix-1\",\"reason\":\"partial refund\"}");

            // Every entry, as the test's own SQL reads the table, newest first.
            List<Entry> all = sql(app, "SELECT id, occurred_at, actor, action, target_type, target_id, creator_id FROM %s",
                    "earnings_audit_log").stream().map(Entry::of)
                    .sorted(Comparator.comparing(Entry::at).thenComparing(Entry::id).reversed()).collect(Collectors.toList());
            // The changes made here are the latest five, each under the admin who made it.
            assertThat(all.subList(0, 5)).extracting(e -> e.actor() + " " + e.action() + " " + e.targetType() + " " + e.targetId()
                    + " " + e.creatorId() + " " + e.at()).containsExactly(
                    "admin-1 USE_REVERSED use aud-use-0 ann " + at.get(4), "admin-2 PAYOUT_CANCELLED payout " + second + " ann "
                    + at.get(3), "admin-2 PAYOUT_CREATED payout " + second + " ann " + at.get(2),
                    "admin-1 PAYOUT_COMPLETED payout " + first + " ann " + at.get(1), "admin-1 PAYOUT_CREATED payout " + first
                    + " ann " + at.get(0));
            JsonNode listed = audit(app, "");
            assertEntries(listed, all, 0, 50);

            // The reversal, with its amount as an exact decimal string.
            JsonNode reversal = listed.get("items").get(0);
            assertThat(reversal.get("reason").asText()).isEqualTo("partial refund");
            assertThat(reversal.get("after").get("correctionId").asText()).isEqualTo("aud-fix-1");
            assertThat(reversal.get("after").get("reversed").isTextual()).isTrue();
            assertThat(new BigDecimal(reversal.get("after").get("reversed").asText())).isEqualByComparingTo("0.001");
            assertThat(new BigDecimal(reversal.get("after").get("remaining").asText())).isEqualByComparingTo("0.999");
            assertThat(new BigDecimal(reversal.get("before").get("remaining").asText())).isEqualByComparingTo("1");

            // Each filter, and all of them at once, as the test filters the table's rows itself.
            Map<String, Predicate<Entry>> filters = new LinkedHashMap<>();
            filters.put("actor=admin-2", e -> e.actor().equals("admin-2"));
            filters.put("action=payout_created", e -> e.action().equals("PAYOUT_CREATED"));
            filters.put("action=USE_REVERSED", e -> e.action().equals("USE_REVERSED"));
            filters.put("targetType=payout&targetId=" + first, e -> e.targetType().equals("payout")
                    && e.targetId().equals(Long.toString(first)));
            filters.put("targetType=model", e -> e.targetType().equals("model"));
            filters.put("from=" + at.get(2), e -> !e.at().isBefore(at.get(2)));
            filters.put("to=" + at.get(2), e -> e.at().isBefore(at.get(2)));
            filters.put("from=" + at.get(1) + "&to=" + at.get(3), e -> !e.at().isBefore(at.get(1)) && e.at().isBefore(at.get(3)));
            filters.put("from=" + at.get(4).plusSeconds(1), e -> false);
            filters.put("actor=admin-1&action=PAYOUT_COMPLETED&targetType=payout&targetId=" + first + "&from=" + at.get(0)
                    + "&to=" + at.get(4), e -> e.action().equals("PAYOUT_COMPLETED"));
            filters.put("actor=&action=&targetType=&targetId=&from=&to=", e -> true);
            filters.forEach((query, which) -> {
                List<Entry> expected = all.stream().filter(which).collect(Collectors.toList());
                assertEntries(audit(app, query), expected, 0, 50);
            });

            // Pages of two, and one past the last.
            long pages = (all.size() + 1) / 2;
            for (int page = 0; page <= pages; page++) {
                assertEntries(audit(app, "page=" + page + "&size=2"), all, page, 2);
            }
        }
    }

    /** A minute on, a POST that must succeed; {@code at} gets the time it was made at. */
    private JsonNode aMinuteLater(App app, List<Instant> at, Who who, String path, String body) throws Exception {
        app.advance(Duration.ofMinutes(1));
        at.add(app.now());
        return call(app, who, "POST", path, body).ok();
    }

    /** An audit entry as the test's own SQL reads it. */
    record Entry(long id, Instant at, String actor, String action, String targetType, String targetId, String creatorId) {
        static Entry of(List<Object> row) {
            return new Entry(((Number) row.get(0)).longValue(), instant(row.get(1)), (String) row.get(2), (String) row.get(3),
                    (String) row.get(4), (String) row.get(5), (String) row.get(6));
        }
    }

    private JsonNode audit(App app, String query) {
        try {
            return call(app, ADMIN, "GET", "/api/admin/audit-log" + (query.isEmpty() ? "" : "?" + query), null).ok();
        } catch (Exception e) {
            throw new AssertionError(query, e);
        }
    }

    /** The page shows this page of these entries, and their count. */
    private static void assertEntries(JsonNode page, List<Entry> entries, int number, int size) {
        int from = Math.min(entries.size(), number * size);
        List<Entry> expected = entries.subList(from, Math.min(entries.size(), from + size));
        assertThat(page.get("page").asInt()).isEqualTo(number);
        assertThat(page.get("size").asInt()).isEqualTo(size);
        assertThat(page.get("totalItems").asLong()).isEqualTo(entries.size());
        assertThat(page.get("totalPages").asLong()).isEqualTo((entries.size() + size - 1) / size);
        List<String> shown = new ArrayList<>();
        page.get("items").forEach(e -> shown.add(e.get("id").asLong() + " " + e.get("occurredAt").asText() + " "
                + e.get("actor").asText() + " " + e.get("action").asText() + " " + e.get("targetType").asText() + " "
                + e.get("targetId").asText() + " " + e.get("creatorId").asText(null)));
        assertThat(shown).containsExactlyElementsOf(expected.stream().map(e -> e.id() + " " + e.at() + " " + e.actor() + " "
                + e.action() + " " + e.targetType() + " " + e.targetId() + " " + e.creatorId()).collect(Collectors.toList()));
    }

    // ------------------------------------------------------------------ who may call what

    /** A column of the access matrix: who calls, about which creator. */
    record Column(String name, Who who, String subject) {
    }

    static final List<Column> COLUMNS = List.of(new Column("anonymous", ANONYMOUS, "ada"), new Column("the creator", ADA, "ada"),
            new Column("a creator, about another", ADA, "bob"), new Column("an admin", ADMIN, "ada"),
            new Column("the tracker", TRACKER, "ada"));

    /**
     * Every endpoint, called by each column's caller about its creator: the status and the field
     * of the refusal. Anyone signed in may be refused only by the library (field {@code caller}),
     * except where the endpoint refuses first (field {@code authorization}): tracking, for anyone
     * but the tracker, and reversals, for anyone but an admin, before the body is read.
     */
    static final String[][] ACCESS = {
        // endpoint                               anonymous            the creator          about another        an admin             the tracker
        {"POST /api/track-model-usage",           "401 authorization", "403 authorization", "403 authorization", "403 authorization", "200"},
        {"GET /api/creator-analytics",            "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"GET /api/admin/totals",                 "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"GET /api/admin/creators",               "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/payouts",               "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/payouts/bulk",          "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/payouts/{id}/complete", "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/payouts/{id}/fail",     "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/payouts/{id}/cancel",   "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/reversals",             "401 authorization", "403 authorization", "403 authorization", "200",               "403 authorization"},
        {"POST /api/admin/reversals, a bad body", "401 authorization", "403 authorization", "403 authorization", "400 body",          "403 authorization"},
        {"GET /api/admin/audit-log",              "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
        {"GET /api/insights/forecast",            "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"GET /api/insights/forecast, of a model", "401 authorization", "200",              "403 caller",        "200",               "403 caller"},
        {"GET /api/insights/compare",             "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"GET /api/insights/market",              "401 authorization", "200",               "200",               "200",               "403 caller"},
        {"GET /api/insights/goals",               "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"POST /api/insights/goals",              "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"DELETE /api/insights/goals/{month}",    "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"GET /api/insights/alerts",              "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"GET /api/insights/recommendations",     "401 authorization", "200",               "403 caller",        "200",               "403 caller"},
        {"POST /api/admin/insights/check",        "401 authorization", "403 caller",        "403 caller",        "200",               "403 caller"},
    };

    Stream<Arguments> accessMatrix() {
        return Arrays.stream(ACCESS).flatMap(row -> COLUMNS.stream().map(column -> {
            String[] expected = row[COLUMNS.indexOf(column) + 1].split(" ");
            return Arguments.of(row[0], column.name(), column.who(), column.subject(), Integer.parseInt(expected[0]),
                    expected.length > 1 ? expected[1] : null);
        }));
    }

    @ParameterizedTest(name = "{0}, {1}: {4} {5}")
    @MethodSource("accessMatrix")
    void accessMatrix_answersAsTheRulesSay(String endpoint, String column, Who who, String subject, int status, String field)
            throws Exception {
        String[] request = request(endpoint, subject);
        String before = fingerprint(shared);
        Answer answer = call(shared, who, request[0], request[1], request[2]);
        if (status == 200) {
            JsonNode body = answer.ok();
            assertThat(body.toString()).as("answer of %s", endpoint).doesNotContain("\"status\":4", "\"detail\"");
            return;
        }
        assertProblem(answer, status, field);
        // A refusal tells nothing of anyone's figures or models, and writes nothing.
        assertThat(answer.body().toString()).doesNotContain("earnings\":", "balance", ADA_MODEL.id(), BOB_MODEL.id());
        assertThat(fingerprint(shared)).isEqualTo(before);
    }

    /** The endpoint's request about the subject: method, path, body. A transition's payout is made here, pending. */
    private String[] request(String endpoint, String subject) {
        String model = subject.equals("ada") ? ADA_MODEL.id() : BOB_MODEL.id();
        String path = endpoint.split(" ")[1].replace(",", "");
        switch (endpoint) {
            case "POST /api/track-model-usage":
                return new String[] {"POST", path, use(unique("matrix"), model, "user-m", 10, "chat")};
            case "GET /api/creator-analytics":
                return new String[] {"GET", path + "?period=30&creatorId=" + subject, null};
            case "GET /api/admin/totals":
            case "GET /api/admin/creators":
                return new String[] {"GET", path + "?period=30", null};
            case "GET /api/admin/audit-log":
                return new String[] {"GET", path + "?targetType=model&targetId=" + model, null};
            case "POST /api/admin/payouts":
                return new String[] {"POST", path, payout(subject, 1, unique("matrix"))};
            case "POST /api/admin/payouts/bulk":
                return new String[] {"POST", path, "{\"batchReference\":\"" + unique("matrix") + "\",\"thresholdMinor\":1,"
                        + "\"dryRun\":true}"};
            case "POST /api/admin/reversals":
                return new String[] {"POST", path, reversal(subject + "-use-0", "0.000001", unique("matrix"))};
            case "POST /api/admin/reversals, a bad body":
                return new String[] {"POST", path, "{\"eventId\":"};
            case "GET /api/insights/forecast":
                return new String[] {"GET", path + "?days=7&creatorId=" + subject, null};
            case "GET /api/insights/forecast, of a model":
                return new String[] {"GET", path + "?days=7&modelId=" + model, null};
            case "GET /api/insights/compare":
                return new String[] {"GET", path + "?models=" + model + "," + subject + "-second&period=30&creatorId=" + subject, null};
            case "GET /api/insights/market":
                return new String[] {"GET", path + "?period=30", null};
            case "GET /api/insights/goals":
            case "GET /api/insights/recommendations":
                return new String[] {"GET", path + "?creatorId=" + subject, null};
            case "POST /api/insights/goals":
                return new String[] {"POST", path, goal("2026-05", "Europe/Paris", "1000000.00", subject)};
            case "DELETE /api/insights/goals/{month}":
                return new String[] {"DELETE", path.replace("{month}", "2026-06") + "?creatorId=" + subject, null};
            case "GET /api/insights/alerts":
                return new String[] {"GET", path + "?period=30&creatorId=" + subject, null};
            case "POST /api/admin/insights/check":
                return new String[] {"POST", path, "{\"day\":\"" + shared.today().minusDays(1) + "\"}"};
            default:
                long id = shared.earnings().payouts().create(Caller.admin(ADMIN.name()), PayoutRequest.of(subject, 1,
                        unique("matrix"))).id();
                return new String[] {"POST", path.replace("{id}", Long.toString(id)), "{\"reason\":\"matrix\"}"};
        }
    }

    // ------------------------------------------------------------------ bad input

    Stream<Arguments> badTransitions() {
        return BadRequests.transitions(pendingPayout, completedPayout);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"dev.earnings.spring.BadRequests#tracks", "dev.earnings.spring.BadRequests#payouts",
        "dev.earnings.spring.BadRequests#bulkPayouts", "badTransitions", "dev.earnings.spring.BadRequests#reversals",
        "dev.earnings.spring.BadRequests#queries", "dev.earnings.spring.BadRequests#insightQueries",
        "dev.earnings.spring.BadRequests#goals", "dev.earnings.spring.BadRequests#checks"})
    void badInput_isAProblemNamingTheField_andWritesNothing(String name, BadRequests.Bad bad) throws Exception {
        String before = fingerprint(shared);
        Answer answer = send(shared, bad.who(), builder(bad.method(), bad.path(), bad.contentType(), bad.body()));
        assertProblem(answer, bad.status(), bad.field());
        assertThat(fingerprint(shared)).isEqualTo(before);
    }

    /** Each endpoint that reads a body, with a good body: the caller who may send it, and its path. */
    private List<String[]> bodyEndpoints() {
        return List.of(new String[] {"track", TRACK}, new String[] {"payout", "/api/admin/payouts"},
                new String[] {"bulk", "/api/admin/payouts/bulk"},
                new String[] {"complete", "/api/admin/payouts/" + pendingPayout + "/complete"},
                new String[] {"reversal", "/api/admin/reversals"}, new String[] {"goal", "/api/insights/goals"},
                new String[] {"check", "/api/admin/insights/check"});
    }

    private static Who sender(String endpoint) {
        return endpoint.equals("track") ? TRACKER : ADMIN;
    }

    Stream<Arguments> overTheCap() {
        return bodyEndpoints().stream().map(e -> Arguments.of(e[0], e[1]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overTheCap")
    void aBodyOverTheCap_isA413_andWritesNothing(String endpoint, String path) throws Exception {
        String before = fingerprint(shared);
        byte[] body = ("{\"padding\":\"" + "x".repeat(MAX_BODY) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertProblem(send(shared, sender(endpoint), builder("POST", path, "application/json", body)), 413, "body");
        assertThat(fingerprint(shared)).isEqualTo(before);
    }

    @Test
    void aBodyOfExactlyTheCap_isRead_andOneByteMoreIsNot() throws Exception {
        String good = use("at-the-cap", ADA_MODEL.id(), "user-cap", 1, "chat");
        String atTheCap = good + " ".repeat(MAX_BODY - good.length());
        assertThat(atTheCap.getBytes(StandardCharsets.UTF_8)).hasSize(MAX_BODY);
        String before = fingerprint(shared);
        assertProblem(call(shared, TRACKER, "POST", TRACK, atTheCap + " "), 413, "body");
        assertThat(fingerprint(shared)).isEqualTo(before);
        assertThat(call(shared, TRACKER, "POST", TRACK, atTheCap).ok().get("eventId").asText()).isEqualTo("at-the-cap");
    }

    @Test
    void aChunkedBodyOfNoDeclaredLength_isCutAtTheCap_andRefused() throws Exception {
        for (String[] endpoint : bodyEndpoints()) {
            AtomicLong read = new AtomicLong();
            String before = fingerprint(shared);
            Answer answer = send(shared, sender(endpoint[0]), endless(endpoint[1], read));
            assertProblem(answer, 413, "body");
            // The body never ends: the endpoint read the cap and one byte, and stopped.
            assertThat(read.get()).as(endpoint[0]).isEqualTo(MAX_BODY + 1L);
            assertThat(fingerprint(shared)).isEqualTo(before);
        }
    }

    /** A POST whose body has no length and never ends, as a chunked upload that goes on; counts what is read of it. */
    private static RequestBuilder endless(String path, AtomicLong read) {
        byte[] start = "{\"padding\":\"".getBytes(StandardCharsets.UTF_8);
        return servletContext -> {
            MockHttpServletRequest request = new MockHttpServletRequest(servletContext, "POST", path) {
                @Override
                public ServletInputStream getInputStream() {
                    return new ServletInputStream() {
                        @Override
                        public int read() {
                            long at = read.getAndIncrement();
                            return at < start.length ? start[(int) at] : 'x';
                        }

                        @Override
                        public boolean isFinished() {
                            return false;
                        }

                        @Override
                        public boolean isReady() {
                            return true;
                        }

                        @Override
                        public void setReadListener(ReadListener listener) {
                            throw new UnsupportedOperationException("blocking reads only");
                        }
                    };
                }

                @Override
                public int getContentLength() {
                    return -1;
                }

                @Override
                public long getContentLengthLong() {
                    return -1;
                }
            };
            request.setContentType("application/json");
            request.addHeader("Transfer-Encoding", "chunked");
            return request;
        };
    }

    /** A POST with two {@code Content-Type: application/json} headers, as a container passes them on. */
    private static RequestBuilder twoContentTypes(String path, byte[] body) {
        return servletContext -> {
            MockHttpServletRequest request = new MockHttpServletRequest(servletContext, "POST", path) {
                @Override
                public Enumeration<String> getHeaders(String name) {
                    return name.equalsIgnoreCase("Content-Type") ? Collections.enumeration(List.of("application/json",
                            "application/json")) : super.getHeaders(name);
                }
            };
            request.setContentType("application/json");
            request.setContent(body);
            return request;
        };
    }

    Stream<Arguments> contentTypes() {
        return bodyEndpoints().stream().flatMap(e -> Stream.of(null, "text/plain", "text/plain;charset=UTF-8",
                "application/x-www-form-urlencoded", "application/jsonp", "application/xml").map(type -> Arguments.of(e[0], e[1],
                type)));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("contentTypes")
    void aBodyThatIsNotJson_isA415_andWritesNothing(String endpoint, String path, String contentType) throws Exception {
        String before = fingerprint(shared);
        Answer answer = send(shared, sender(endpoint), builder("POST", path, contentType, "{}".getBytes(StandardCharsets.UTF_8)));
        assertProblem(answer, 415, "Content-Type");
        assertThat(fingerprint(shared)).isEqualTo(before);
    }

    @Test
    void aBodyDeclaredInAnotherCharset_orOfTwoTypes_isA415_andNotReadAsUtf8() throws Exception {
        // In ISO-8859-1 "\u00c3\u00a9" is the bytes C3 A9, which UTF-8 reads as "\u00e9": read as UTF-8, this body
        // would record another user than the one its sender named.
        String sent = use(unique("latin1"), ADA_MODEL.id(), "user-\u00c3\u00a9", 1, "chat");
        assertThat(new String(sent.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)).contains("user-\u00e9");
        for (String[] endpoint : bodyEndpoints()) {
            for (String charset : List.of("ISO-8859-1", "windows-1252", "UTF-16")) {
                String before = fingerprint(shared);
                Answer answer = send(shared, sender(endpoint[0]), builder("POST", endpoint[1], "application/json;charset=" + charset,
                        sent.getBytes(Charset.forName(charset))));
                assertProblem(answer, 415, "Content-Type");
                assertThat(fingerprint(shared)).as("%s in %s", endpoint[0], charset).isEqualTo(before);
            }
            String before = fingerprint(shared);
            Answer twice = send(shared, sender(endpoint[0]), twoContentTypes(endpoint[1], sent.getBytes(StandardCharsets.UTF_8)));
            assertProblem(twice, 415, "Content-Type");
            assertThat(fingerprint(shared)).as("%s with two types", endpoint[0]).isEqualTo(before);
        }
    }

    @Test
    void jsonIsTakenWithOrWithoutACharsetOfUtf8() throws Exception {
        for (String type : List.of("application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8",
                "Application/JSON;charset=\"UTF-8\"")) {
            String eventId = unique("utf8");
            Answer answer = send(shared, TRACKER, builder("POST", TRACK, type, use(eventId, ADA_MODEL.id(), "user-\u00e9", 1, "chat")
                    .getBytes(StandardCharsets.UTF_8)));
            assertThat(answer.ok().get("eventId").asText()).as(type).isEqualTo(eventId);
            assertThat(sql(shared, "SELECT user_id FROM %s WHERE event_id = ?", "model_usage_logs", eventId)).as(type)
                    .hasSize(1);
        }
    }

    @Test
    void answersAndRefusals_reachAClientThatAcceptsJson() throws Exception {
        for (String accept : List.of("application/json", "application/json, application/problem+json", "*/*",
                "application/json, text/plain;q=0.5")) {
            assertProblem(send(shared, ADA, builder("GET", "/api/creator-analytics?period=14", null, null).header("Accept", accept)),
                    400, "period");
            assertProblem(send(shared, ADMIN, builder("POST", "/api/admin/payouts", "application/json",
                    "{}".getBytes(StandardCharsets.UTF_8)).header("Accept", accept)), 400, "creatorId");
            assertThat(send(shared, ADA, builder("GET", "/api/creator-analytics", null, null).header("Accept", accept)).ok()
                    .get("creatorId").asText()).as(accept).isEqualTo("ada");
        }
    }

    Stream<Arguments> wrongMethods() {
        String pending = "/api/admin/payouts/" + pendingPayout + "/complete";
        return Stream.of(
                Arguments.of("GET", TRACK, "POST"), Arguments.of("PUT", TRACK, "POST"),
                Arguments.of("POST", "/api/creator-analytics", "GET"), Arguments.of("DELETE", "/api/creator-analytics", "GET"),
                Arguments.of("POST", "/api/admin/totals", "GET"), Arguments.of("POST", "/api/admin/creators", "GET"),
                Arguments.of("GET", "/api/admin/payouts", "POST"), Arguments.of("DELETE", "/api/admin/payouts", "POST"),
                Arguments.of("GET", "/api/admin/payouts/bulk", "POST"), Arguments.of("GET", pending, "POST"),
                Arguments.of("DELETE", pending, "POST"), Arguments.of("GET", "/api/admin/reversals", "POST"),
                Arguments.of("POST", "/api/admin/audit-log", "GET"), Arguments.of("PATCH", "/api/admin/audit-log", "GET"),
                Arguments.of("POST", "/api/insights/forecast", "GET"), Arguments.of("DELETE", "/api/insights/compare", "GET"),
                Arguments.of("POST", "/api/insights/market", "GET"), Arguments.of("PUT", "/api/insights/goals", "POST"),
                Arguments.of("DELETE", "/api/insights/goals", "GET"), Arguments.of("GET", "/api/insights/goals/2026-05", "DELETE"),
                Arguments.of("POST", "/api/insights/goals/2026-05", "DELETE"), Arguments.of("POST", "/api/insights/alerts", "GET"),
                Arguments.of("POST", "/api/insights/recommendations", "GET"),
                Arguments.of("GET", "/api/admin/insights/check", "POST"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("wrongMethods")
    void theWrongMethod_isA405_thatSaysWhichIsAllowed(String method, String path, String allowed) throws Exception {
        String before = fingerprint(shared);
        Answer answer = call(shared, path.equals(TRACK) ? TRACKER : ADMIN, method, path,
                method.equals("GET") || method.equals("DELETE") ? null : "{}");
        assertThat(answer.status()).isEqualTo(405);
        assertThat(Arrays.stream(answer.header("Allow").split(",")).map(String::trim).collect(Collectors.toSet()))
                .contains(allowed).doesNotContain(method);
        assertThat(fingerprint(shared)).isEqualTo(before);
    }

    @Test
    void aPathBelowAnEndpoint_isA404() throws Exception {
        assertThat(call(shared, ADMIN, "GET", "/api/admin/totals/x", null).status()).isEqualTo(404);
        assertThat(call(shared, ADMIN, "GET", "/api/admin/audit-log/1", null).status()).isEqualTo(404);
        assertThat(call(shared, ADMIN, "POST", "/api/admin/reversals/ada-use-1", reversal("ada-use-1", "0.001", "below"))
                .status()).isEqualTo(404);
        assertThat(call(shared, ADMIN, "POST", "/api/admin/payouts/" + pendingPayout + "/complete/now", "{}").status())
                .isEqualTo(404);
        String before = fingerprint(shared);
        assertThat(call(shared, TRACKER, "POST", TRACK + "/x", use(unique("below"), ADA_MODEL.id(), "u", 1, "chat")).status())
                .isEqualTo(404);
        assertThat(fingerprint(shared)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ each caller's allowance

    @Test
    void eachCaller_hasItsOwnAllowance_theFourthRequestIsA429WithRetryAfter() throws Exception {
        try (App app = start("earnings.web.requests-per-caller.uses=3", "earnings.web.requests-per-caller.per=1h")) {
            register(app, new Model("allowed-model", "ada", "1.00", "0"));
            for (int i = 1; i <= 3; i++) {
                call(app, TRACKER, "POST", TRACK, use("allowed-" + i, "allowed-model", "user-1", 0, "chat")).ok();
            }
            String before = fingerprint(app);
            Answer refused = call(app, TRACKER, "POST", TRACK, use("allowed-4", "allowed-model", "user-1", 0, "chat"));
            assertProblem(refused, 429, "rate");
            // Three requests an hour come back one every twenty minutes: the wait is at most that.
            assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, Duration.ofMinutes(20).toSeconds());
            // Refused before the body is read, and nothing recorded.
            assertProblem(call(app, TRACKER, "POST", TRACK, "{\"userId\":"), 429, "rate");
            assertThat(fingerprint(app)).isEqualTo(before);

            // Others still pass, each with an allowance of its own; no one signed in is no one's allowance.
            for (int i = 1; i <= 3; i++) {
                call(app, ADA, "GET", "/api/creator-analytics", null).ok();
            }
            assertProblem(call(app, ADA, "GET", "/api/creator-analytics", null), 429, "rate");
            call(app, ADMIN, "GET", "/api/admin/totals", null).ok();
            assertProblem(call(app, ANONYMOUS, "GET", "/api/admin/totals", null), 401, "authorization");
            assertThat(count(app, "SELECT COUNT(*) FROM %s", "model_usage_logs")).isEqualTo(3);
        }
    }

    // ------------------------------------------------------------------ a database that is down

    @Test
    void aDatabaseThatIsDown_isA503_forReadsAndWritesAlike_andATrackRetriedWithItsEventIdIsRecordedOnce() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        try (App app = start(runtime -> TestDatabases.switchable(runtime, down::get), "earnings.max-attempts=2",
                "earnings.retry-budget=1s")) {
            register(app, new Model("down-model", "ada", "1.00", "0"));
            call(app, TRACKER, "POST", TRACK, use("up-1", "down-model", "user-1", 0, "chat")).ok();
            long payout = app.earnings().payouts().create(Caller.admin(ADMIN.name()), PayoutRequest.of("ada", 1, "down")).id();
            String before = fingerprint(app);

            down.set(true);
            Answer track = call(app, TRACKER, "POST", TRACK, use("down-1", "down-model", "user-1", 0, "chat"));
            assertProblem(track, 503, "server");
            assertThat(track.body().get("detail").asText()).contains("retry with eventId down-1");
            for (Object[] r : new Object[][] {{ADA, "GET", "/api/creator-analytics", null},
                {ADMIN, "GET", "/api/creator-analytics?creatorId=ada", null}, {ADMIN, "GET", "/api/admin/totals", null},
                {ADMIN, "GET", "/api/admin/creators", null}, {ADMIN, "GET", "/api/admin/audit-log", null},
                {ADMIN, "POST", "/api/admin/payouts", payout("ada", 1, "while-down")},
                {ADMIN, "POST", "/api/admin/payouts/bulk", "{\"batchReference\":\"down\",\"thresholdMinor\":1}"},
                {ADMIN, "POST", "/api/admin/payouts/" + payout + "/complete", "{}"},
                {ADMIN, "POST", "/api/admin/reversals", reversal("up-1", null, "while-down")},
                {ADA, "GET", "/api/insights/forecast", null}, {ADA, "GET", "/api/insights/market", null},
                {ADA, "GET", "/api/insights/goals", null}, {ADA, "POST", "/api/insights/goals", goal("2026-04", null, "1.00", null)},
                {ADA, "DELETE", "/api/insights/goals/2026-04", null}, {ADA, "GET", "/api/insights/alerts", null},
                {ADA, "GET", "/api/insights/recommendations", null},
                {ADMIN, "POST", "/api/admin/insights/check", "{\"day\":\"2026-03-09\"}"}}) {
                assertProblem(call(app, (Who) r[0], (String) r[1], (String) r[2], (String) r[3]), 503, "server");
            }
            down.set(false);
            assertThat(fingerprint(app)).isEqualTo(before);

            assertThat(call(app, TRACKER, "POST", TRACK, use("down-1", "down-model", "user-1", 0, "chat")).ok().get("replayed")
                    .asBoolean()).isFalse();
            assertThat(call(app, ADA, "GET", "/api/creator-analytics", null).ok().get("totalUsage").asLong()).isEqualTo(2);
            assertThat(count(app, "SELECT COUNT(*) FROM %s WHERE event_id = 'down-1'", "model_usage_logs")).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Registers the model, with its pricing, as the service. */
    static Model register(App app, Model model) {
        app.earnings().models().register(model.id(), model.creatorId(), ModelPricing.of(model.perUse().toPlainString(),
                model.perToken().toPlainString()));
        return model;
    }

    private static UsageRequest request(Use use) {
        return UsageRequest.builder(use.userId(), use.model().id()).eventId(use.eventId()).tokensConsumed(use.tokens())
                .usageType(use.type()).occurredAt(use.at()).build();
    }

    private String unique(String prefix) {
        return prefix + "-" + unique.incrementAndGet();
    }

    private static boolean within(Use use, LocalDate from, LocalDate to) {
        return !use.day().isBefore(from) && use.day().isBefore(to);
    }

    /** A use's body, with metadata, and an eventId unless it is null. */
    static String use(String eventId, String modelId, String userId, long tokens, String type) {
        return "{\"userId\":\"" + userId + "\",\"modelId\":\"" + modelId + "\",\"usageType\":\"" + type + "\",\"tokensConsumed\":"
                + tokens + ",\"metadata\":{\"session\":\"s-1\"}" + (eventId == null ? "" : ",\"eventId\":\"" + eventId + "\"") + "}";
    }

    static String payout(String creatorId, long amountMinor, String reference) {
        return "{\"creatorId\":\"" + creatorId + "\",\"amountMinor\":" + amountMinor + ",\"reference\":\"" + reference
                + "\",\"note\":\"a note\"}";
    }

    /** A goal's body; without a zone or a creator when they are null. */
    static String goal(String month, String zone, String target, String creatorId) {
        return "{\"month\":\"" + month + "\"" + (zone == null ? "" : ",\"zone\":\"" + zone + "\"") + ",\"target\":\"" + target
                + "\"" + (creatorId == null ? "" : ",\"creatorId\":\"" + creatorId + "\"") + "}";
    }

    /** A reversal's body: of all that remains of the use when {@code amount} is null. */
    static String reversal(String eventId, String amount, String correctionId) {
        return "{\"eventId\":\"" + eventId + "\"" + (amount == null ? "" : ",\"amount\":\"" + amount + "\"") + ",\"correctionId\":\""
                + correctionId + "\",\"reason\":\"a test refund\"}";
    }

    /** The use's answer is the use as the test worked it out. */
    private static void assertUse(JsonNode answer, Use expected, boolean replayed) {
        assertThat(answer.get("eventId").asText()).isEqualTo(expected.eventId());
        assertThat(answer.get("replayed").asBoolean()).isEqualTo(replayed);
        assertThat(answer.get("modelId").asText()).isEqualTo(expected.model().id());
        assertThat(answer.get("useOrdinal").asLong()).isEqualTo(expected.ordinal());
        assertThat(answer.get("earnings").asText()).as(expected.eventId()).isEqualTo(money(expected.earnings()));
        assertThat(answer.get("currency").asText()).isEqualTo("USD");
        assertThat(answer.get("base").asText()).isEqualTo(money(expected.base()));
        assertThat(answer.get("tier").asInt()).isEqualTo(ExpectedEarnings.tier(expected.ordinal()));
        assertThat(new BigDecimal(answer.get("tierMultiplier").asText()))
                .isEqualByComparingTo(ExpectedEarnings.tierMultiplier(expected.ordinal()));
        assertThat(answer.get("usageType").asText()).isEqualTo(expected.type());
        assertThat(new BigDecimal(answer.get("typeMultiplier").asText()))
                .isEqualByComparingTo(ExpectedEarnings.typeMultiplier(expected.type()));
        assertThat(answer.get("reason").isNull()).isTrue();
        assertThat(answer.get("explanation").asText()).contains(money(expected.earnings()));
        assertThat(answer.get("occurredAt").asText()).isEqualTo(expected.at().toString());
    }

    /** The node has exactly these fields, each written as the value is. */
    private static void assertFields(JsonNode node, Map<String, Object> expected) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        assertThat(names).isEqualTo(expected.keySet());
        expected.forEach((name, value) -> assertThat(node.get(name).asText()).as(name).isEqualTo(String.valueOf(value)));
    }

    /** The answer is an RFC 9457 problem with this status, naming this field. */
    static void assertProblem(Answer answer, int status, String field) {
        assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body().get("status").asInt()).isEqualTo(status);
        assertThat(answer.body().get("field").asText()).as("field of %s", answer.body()).isEqualTo(field);
        assertThat(answer.body().get("detail").asText()).isNotBlank();
    }

    /**
     * What the library has written: uses, reversals, payouts (and pending ones), audit entries,
     * earnings, goals, alerts and checked days.
     */
    String fingerprint(App app) {
        TestDatabases.Fresh db = app.db();
        return TestDatabases.rows(db.reader(), "SELECT (SELECT COUNT(*) FROM " + db.table("model_usage_logs") + "),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_reversals") + "),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_transactions") + "),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_transactions") + " WHERE status = 'PENDING'),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_audit_log") + "),"
                + " (SELECT COALESCE(SUM(lifetime_earnings), 0) FROM " + db.table("model_creator_earnings") + "),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_goals") + "),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_alerts") + "),"
                + " (SELECT COUNT(*) FROM " + db.table("earnings_insight_runs") + ")").toString();
    }

    /** The rows of the test's own SQL; {@code %s} is the table, qualified. */
    static List<List<Object>> sql(App app, String sql, String table, Object... parameters) {
        List<List<Object>> rows = TestDatabases.rows(app.db().reader(), String.format(Locale.ROOT, sql, app.db().table(table)),
                parameters);
        // Whole numbers as longs, whichever type the database counted them in; decimals as they are.
        return rows.stream().map(row -> row.stream().map(v -> v instanceof Number && !(v instanceof BigDecimal)
                ? (Object) ((Number) v).longValue() : v).collect(Collectors.toList())).collect(Collectors.toList());
    }

    /** A row as {@link #sql} gives it. */
    static List<Object> row(Object... values) {
        return Arrays.asList(values);
    }

    static long count(App app, String sql, String table) {
        return ((Number) sql(app, sql, table).get(0).get(0)).longValue();
    }

    static BigDecimal sum(App app, String sql, String table) {
        return (BigDecimal) sql(app, sql, table).get(0).get(0);
    }

    static Instant instant(Object value) {
        if (value instanceof OffsetDateTime) {
            return ((OffsetDateTime) value).toInstant();
        }
        if (value instanceof Timestamp) {
            return ((Timestamp) value).toInstant();
        }
        throw new IllegalArgumentException("not a time: " + value);
    }

    static MockHttpServletRequestBuilder builder(String method, String path, String contentType, byte[] body) {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.request(HttpMethod.valueOf(method), URI.create(path));
        if (contentType != null) {
            request = request.contentType(contentType);
        }
        return body == null ? request : request.content(body);
    }

    Answer call(App app, Who who, String method, String path, String body) throws Exception {
        return send(app, who, builder(method, path, body == null ? null : "application/json",
                body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }

    Answer send(App app, Who who, RequestBuilder request) throws Exception {
        RequestBuilder signedIn = request;
        if (who.name() != null) {
            if (request instanceof MockHttpServletRequestBuilder) {
                signedIn = ServedEndpoints.as((MockHttpServletRequestBuilder) request, who.name(), who.roles().toArray(String[]::new));
            } else {
                signedIn = servletContext -> {
                    MockHttpServletRequest r = request.buildRequest(servletContext);
                    r.setUserPrincipal(who::name);
                    who.roles().forEach(r::addUserRole);
                    return r;
                };
            }
        }
        MockHttpServletResponse response = app.endpoints().mvc().perform(signedIn).andReturn().getResponse();
        String text = response.getContentAsString(StandardCharsets.UTF_8);
        String type = response.getContentType();
        JsonNode body = text.isEmpty() || type == null || !type.contains("json") ? null : JSON.readTree(text);
        return new Answer(response.getStatus(), type, body, response);
    }
}
