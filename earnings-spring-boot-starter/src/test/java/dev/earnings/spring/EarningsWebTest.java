package dev.earnings.spring;

import static dev.earnings.spring.ServedEndpoints.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The HTTP endpoints through MockMvc, on H2 and on PostgreSQL: a use recorded by the host's backend
 * and read back by its creator, replays, refusals as problem details, who may read what, and when
 * the endpoints are there at all.
 */
class EarningsWebTest {
    private static final String MODEL = "web-model";
    private static final String CREATOR = "creator-a";
    private static final String OTHER = "creator-b";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(ServedEndpoints.WEB).withPropertyValues("earnings.web.enabled=true");

    /** Runs {@code test} against the endpoints on a fresh database of {@code database}, a model registered. */
    private void serve(String database, Consumer<MockMvc> test) {
        try (TestDatabases.Fresh db = database.equals("postgres") ? TestDatabases.freshPostgres() : TestDatabases.freshH2()) {
            runner.withBean(DataSource.class, db::runtime).withPropertyValues(db.properties().toArray(String[]::new))
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
                        test.accept(MockMvcBuilders.webAppContextSetup(context).build());
                    });
        }
    }

    private static MockHttpServletRequestBuilder track(String json) {
        return as(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(json), "backend",
                "EARNINGS_TRACKER");
    }

    private static String use(String eventId) {
        return "{\"userId\":\"user-1\",\"modelId\":\"" + MODEL + "\",\"usageType\":\"chat\",\"tokensConsumed\":120,"
                + "\"metadata\":{\"session\":\"s-1\"},\"eventId\":\"" + eventId + "\"}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aTrackedUseIsReadBackInTheCreatorsAnalytics_andAReplayIsNotCountedTwice(String database) {
        serve(database, mvc -> {
            try {
                String first = mvc.perform(track(use("evt-1"))).andExpect(status().isOk())
                        .andExpect(jsonPath("$.eventId").value("evt-1")).andExpect(jsonPath("$.replayed").value(false))
                        .andExpect(jsonPath("$.modelId").value(MODEL)).andExpect(jsonPath("$.useOrdinal").value(1))
                        .andReturn().getResponse().getContentAsString();
                String earned = JsonPath.read(first, "$.earnings");
                assertThat(new java.math.BigDecimal(earned)).isPositive();

                mvc.perform(track(use("evt-1"))).andExpect(status().isOk())
                        .andExpect(jsonPath("$.replayed").value(true)).andExpect(jsonPath("$.earnings").value(earned));
                // The same eventId with another use is a conflict, not a second use.
                mvc.perform(track(use("evt-1").replace("user-1", "user-2"))).andExpect(status().isConflict())
                        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                        .andExpect(jsonPath("$.status").value(409));

                mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(status().isOk())
                        .andExpect(jsonPath("$.creatorId").value(CREATOR)).andExpect(jsonPath("$.totalUsage").value(1))
                        .andExpect(jsonPath("$.totalEarnings").value(earned))
                        .andExpect(jsonPath("$.models[0].modelId").value(MODEL))
                        .andExpect(jsonPath("$.recentActivity[0].tokens").value(120));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void readsAreGuardedByCaller(String database) {
        serve(database, mvc -> {
            try {
                mvc.perform(get("/api/creator-analytics")).andExpect(status().isUnauthorized())
                        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                        .andExpect(jsonPath("$.field").value("authorization"));
                mvc.perform(as(get("/api/creator-analytics").param("creatorId", CREATOR), CREATOR))
                        .andExpect(status().isOk()).andExpect(jsonPath("$.creatorId").value(CREATOR));
                mvc.perform(as(get("/api/creator-analytics").param("creatorId", CREATOR), OTHER))
                        .andExpect(status().isForbidden()).andExpect(jsonPath("$.field").value("caller"))
                        .andExpect(jsonPath("$.status").value(403));
                mvc.perform(as(get("/api/creator-analytics").param("creatorId", CREATOR), "admin-1", "EARNINGS_ADMIN"))
                        .andExpect(status().isOk()).andExpect(jsonPath("$.creatorId").value(CREATOR))
                        .andExpect(jsonPath("$.totalUsage").value(0));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void trackingIsTheBackendsCallAlone() {
        serve("h2", mvc -> {
            try {
                mvc.perform(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(use("e")))
                        .andExpect(status().isUnauthorized());
                mvc.perform(as(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(use("e")),
                        CREATOR)).andExpect(status().isForbidden()).andExpect(jsonPath("$.field").value("authorization"));
                mvc.perform(as(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(use("e")),
                        "admin-1", "EARNINGS_ADMIN")).andExpect(status().isForbidden());
                mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(jsonPath("$.totalUsage").value(0));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void malformedInputIsAProblemNamingTheField() {
        serve("h2", mvc -> {
            try {
                mvc.perform(track("{\"userId\":")).andExpect(status().isBadRequest())
                        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                        .andExpect(jsonPath("$.field").value("body"));
                mvc.perform(track("{\"modelId\":\"" + MODEL + "\",\"usageType\":\"chat\",\"tokensConsumed\":1}"))
                        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("userId"))
                        .andExpect(jsonPath("$.detail").value("userId is required"));
                mvc.perform(track(use("e").replace("120", "-5"))).andExpect(status().isBadRequest())
                        .andExpect(jsonPath("$.field").value("tokensConsumed"));
                mvc.perform(track(use("e").replace("120", "1.5"))).andExpect(status().isBadRequest())
                        .andExpect(jsonPath("$.field").value("tokensConsumed"));
                mvc.perform(track(use("e").replace("\"eventId\"", "\"tokens\""))).andExpect(status().isBadRequest())
                        .andExpect(jsonPath("$.field").value("tokens"));
                mvc.perform(track(use("e").replace(MODEL, "no-such-model"))).andExpect(status().isNotFound())
                        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                        .andExpect(jsonPath("$.field").value("modelId")).andExpect(jsonPath("$.status").value(404));
                mvc.perform(as(post("/api/track-model-usage").contentType(MediaType.TEXT_PLAIN).content(use("e")),
                        "backend", "EARNINGS_TRACKER")).andExpect(status().isUnsupportedMediaType());
                mvc.perform(as(get("/api/creator-analytics").param("period", "week"), CREATOR))
                        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("period"));
                // Nothing of the refused requests was recorded.
                mvc.perform(as(get("/api/creator-analytics"), CREATOR)).andExpect(jsonPath("$.totalUsage").value(0));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aDatabaseThatIsDown_isA503ThatSaysToRetryWithTheSameEventId() {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        DataSource flaky = TestDatabases.switchable(TestDatabases.h2(), down::get);
        runner.withBean(DataSource.class, () -> flaky)
                .withPropertyValues("earnings.max-attempts=2", "earnings.retry-budget=1s")
                .run(context -> {
                    context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    down.set(true);
                    mvc.perform(track(use("down-1"))).andExpect(status().isServiceUnavailable())
                            .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("retry with eventId down-1")));
                    down.set(false);
                    mvc.perform(track(use("down-1"))).andExpect(status().isOk())
                            .andExpect(jsonPath("$.replayed").value(false));
                });
    }

    @Test
    void aRateLimitedUseIsA429WithRetryAfter() {
        DataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2)
                .withPropertyValues("earnings.rate-limits.per-user[0].uses=1", "earnings.rate-limits.per-user[0].per=1h")
                .run(context -> {
                    context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    mvc.perform(track(use("r-1"))).andExpect(status().isOk());
                    mvc.perform(track(use("r-2"))).andExpect(status().isTooManyRequests())
                            .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                            .andExpect(header().string("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-9][0-9]*")));
                });
    }

    @Test
    void theEndpointsAreThereOnlyWhenEnabled_inAServletApplication_withSpringMvc() {
        DataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2).run(context -> assertThat(context)
                .hasSingleBean(EarningsController.class).hasSingleBean(EarningsCallerResolver.class));
        runner.withBean(DataSource.class, () -> h2).withPropertyValues("earnings.web.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(EarningsController.class)
                        .doesNotHaveBean(EarningsCallerResolver.class));
        runner.withBean(DataSource.class, () -> h2).withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(EarningsController.class));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class,
                        EarningsWebAutoConfiguration.class)).withBean(DataSource.class, () -> h2)
                .withPropertyValues("earnings.web.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(EarningsController.class));
    }

    @Test
    void anApplicationsOwnResolverReplacesTheStarters() {
        DataSource h2 = TestDatabases.h2();
        EarningsCallerResolver own = EarningsCallerResolver.byRoles("BOSS", "BACKEND");
        runner.withBean(DataSource.class, () -> h2).withBean(EarningsCallerResolver.class, () -> own)
                .run(context -> {
                    assertThat(context).getBean(EarningsCallerResolver.class).isSameAs(own);
                    context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("2.50", "0"));
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    mvc.perform(track(use("o-1"))).andExpect(status().isForbidden());
                    mvc.perform(as(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON).content(use("o-1")),
                            "svc", "BACKEND")).andExpect(status().isOk());
                    assertThat(List.of(context.getBeanNamesForType(EarningsCallerResolver.class))).hasSize(1);
                });
    }
}
