package dev.earnings.testkit;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.jdbc.Earnings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a ready library instance on a fresh database, with migrations applied, running
 * on a {@link TestClock}; closes it and throws the database away after the test.
 *
 * <pre>{@code
 * @RegisterExtension
 * final EarningsExtension earnings = EarningsExtension.h2();
 *
 * @Test
 * void the101stUseEarns1_2x(Earnings library, Fixtures fixtures) {
 *     fixtures.creator("ada").model("anime", "0.01", "0").driveTo(100);
 *     assertThat(library.logModelUsage("u1", "anime", 0, "image_generation", null)).earned("0.012").atTier(2);
 * }
 * }</pre>
 *
 * <p>Test methods may declare parameters of type {@link Earnings}, {@link TestClock} and
 * {@link Fixtures}. By default the database is an in-memory H2 database of its own; with
 * {@link #postgres(String, String, String)} it is a fresh schema in that PostgreSQL database,
 * dropped afterwards.
 */
public final class EarningsExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final String postgresUrl;
    private final String user;
    private final String password;
    private final Instant start;
    private final EarningsCalculator calculator;

    private TestClock clock;
    private Earnings earnings;
    private Fixtures fixtures;
    private String schema;

    private EarningsExtension(String postgresUrl, String user, String password, Instant start,
            EarningsCalculator calculator) {
        this.postgresUrl = postgresUrl;
        this.user = user;
        this.password = password;
        this.start = start;
        this.calculator = calculator;
    }

    /**
     * A fresh in-memory H2 database per test.
     *
     * @return the extension
     */
    public static EarningsExtension h2() {
        return new EarningsExtension(null, null, null, TestClock.DEFAULT_START, EarningsCalculator.defaults());
    }

    /**
     * A fresh schema per test in a PostgreSQL database (the driver must be on the test classpath).
     * The one login given migrates and runs the library, and may be a superuser: row-level
     * security is not required of it, as it is of a production login by default.
     *
     * @param url the database, such as {@code jdbc:postgresql://127.0.0.1:5432/postgres}
     * @param user the user
     * @param password the password
     * @return the extension
     */
    public static EarningsExtension postgres(String url, String user, String password) {
        return new EarningsExtension(Objects.requireNonNull(url, "url"), user, password, TestClock.DEFAULT_START,
                EarningsCalculator.defaults());
    }

    /**
     * The same extension with the clock starting elsewhere.
     *
     * @param start the first "now" of every test
     * @return the extension
     */
    public EarningsExtension startingAt(Instant start) {
        return new EarningsExtension(postgresUrl, user, password, Objects.requireNonNull(start, "start"), calculator);
    }

    /**
     * The same extension with other rating rules.
     *
     * @param calculator the rules
     * @return the extension
     */
    public EarningsExtension withCalculator(EarningsCalculator calculator) {
        return new EarningsExtension(postgresUrl, user, password, start, Objects.requireNonNull(calculator, "calculator"));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        clock = TestClock.at(start);
        Earnings.Builder builder = Earnings.builder().clock(clock).calculator(calculator).maximumPoolSize(4);
        if (postgresUrl == null) {
            builder.jdbcUrl("jdbc:h2:mem:earnings-test-" + UUID.randomUUID() + ";LOCK_TIMEOUT=10000", "sa", "");
        } else {
            schema = "earnings_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            // One login migrates and runs, often a superuser on a test database: the library is
            // told so, instead of refusing a login that row-level security does not filter.
            builder.jdbcUrl(postgresUrl, user, password).schema(schema).requireRowLevelSecurity(false);
        }
        earnings = builder.build();
        fixtures = new Fixtures(earnings, clock);
    }

    @Override
    public void afterEach(ExtensionContext context) throws SQLException {
        try {
            if (earnings != null) {
                earnings.close();
            }
        } finally {
            earnings = null;
            if (schema != null) {
                try (Connection c = DriverManager.getConnection(postgresUrl, user, password);
                        Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
                }
                schema = null;
            }
        }
    }

    /**
     * The current test's library instance.
     *
     * @return the instance
     * @throws IllegalStateException outside a test
     */
    public Earnings earnings() {
        if (earnings == null) {
            throw new IllegalStateException("the library instance exists only while a test runs");
        }
        return earnings;
    }

    /**
     * The current test's clock.
     *
     * @return the clock
     */
    public TestClock clock() {
        earnings();
        return clock;
    }

    /**
     * The current test's fixtures.
     *
     * @return the fixtures
     */
    public Fixtures fixtures() {
        earnings();
        return fixtures;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Earnings.class || type == TestClock.class || type == Fixtures.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == Earnings.class) {
            return earnings();
        } else if (type == TestClock.class) {
            return clock();
        } else if (type == Fixtures.class) {
            return fixtures();
        }
        throw new ParameterResolutionException("cannot resolve " + type);
    }
}
