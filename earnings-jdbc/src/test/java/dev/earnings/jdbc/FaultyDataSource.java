package dev.earnings.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * A data source that plants the failures a deployment meets, at points a test chooses: a pool
 * that hands out no connection in time, a connection that dies just before a statement, a commit
 * that happens and is then reported lost. It counts what it saw, so a test can show that the
 * failure it planted really happened, and how often.
 *
 * <p>The faults are fields a test sets and {@link #reset()} clears; each runs on the thread of
 * the call it fails.
 */
final class FaultyDataSource {
    private static final Set<String> EXECUTE = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
            "executeBatch", "executeLargeBatch");

    /** Runs before a connection is handed out; throws to fail {@code getConnection()}. */
    @FunctionalInterface
    interface ConnectionFault {
        void check() throws SQLException;
    }

    /** Runs just before a prepared statement executes, with the connection it runs on. */
    @FunctionalInterface
    interface StatementFault {
        void before(Connection connection, String sql) throws SQLException;
    }

    /** Decides, after a commit succeeded, whether to report it lost; sees the transaction's statements. */
    @FunctionalInterface
    interface CommitFault {
        boolean lose(List<String> transactionSql);
    }

    private final DataSource target;
    private final DataSource proxy;
    volatile ConnectionFault connectionFault;
    volatile StatementFault statementFault;
    volatile CommitFault commitFault;

    /** Every {@code getConnection()} call, failed or not. */
    final AtomicInteger connectionRequests = new AtomicInteger();
    /** {@code getConnection()} calls the connection fault failed. */
    final AtomicInteger failedConnections = new AtomicInteger();
    /** Commits that happened and were reported lost. */
    final AtomicInteger lostCommits = new AtomicInteger();
    /** The SQLSTATE of every statement or commit that failed in the driver, in order. */
    final List<String> driverFailures = new CopyOnWriteArrayList<>();

    FaultyDataSource(DataSource target) {
        this.target = target;
        this.proxy = (DataSource) Proxy.newProxyInstance(FaultyDataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (p, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connectionRequests.incrementAndGet();
                        try {
                            connectionFault.check();
                        } catch (SQLException e) {
                            failedConnections.incrementAndGet();
                            throw e;
                        }
                        return connection((Connection) invoke(target, method, args));
                    }
                    return invoke(target, method, args);
                });
        reset();
    }

    /** The data source to build the library on. */
    DataSource dataSource() {
        return proxy;
    }

    /** Counts from zero. */
    void clearCounts() {
        connectionRequests.set(0);
        failedConnections.set(0);
        lostCommits.set(0);
        driverFailures.clear();
    }

    /** No faults from now on; the counters keep counting. */
    void reset() {
        connectionFault = () -> { };
        statementFault = (connection, sql) -> { };
        commitFault = sql -> false;
    }

    /** A pool timeout, as HikariCP reports one. */
    static SQLException poolTimeout() {
        return new java.sql.SQLTransientConnectionException("earnings - Connection is not available, request timed out"
                + " after 250ms (simulated)");
    }

    /** Whether one of a transaction's statements is {@code verb} ({@code INSERT} or {@code UPDATE}) on {@code table}. */
    static Predicate<List<String>> wrote(String verb, String table) {
        return statements -> statements.stream().anyMatch(sql -> writes(sql, verb, table));
    }

    /** Whether a statement, as the library renders it (schema-qualified or not), is {@code verb} on {@code table}. */
    static boolean writes(String sql, String verb, String table) {
        String plain = sql.replaceAll("\"[A-Za-z0-9_]+\"\\.", "").toUpperCase(Locale.ROOT);
        String t = table.toUpperCase(Locale.ROOT);
        return verb.equalsIgnoreCase("UPDATE") ? plain.contains("UPDATE " + t + " ") : plain.contains(verb.toUpperCase(Locale.ROOT)
                + " INTO " + t + " ");
    }

    /**
     * Loses the commit of the first transaction matching {@code which} after it is armed, and
     * counts how many matching transactions committed in all.
     */
    static final class LoseFirst implements CommitFault {
        private final Predicate<List<String>> which;
        private final AtomicBoolean armed = new AtomicBoolean(true);
        final AtomicInteger matchingCommits = new AtomicInteger();

        LoseFirst(Predicate<List<String>> which) {
            this.which = which;
        }

        @Override
        public boolean lose(List<String> transactionSql) {
            if (!which.test(transactionSql)) {
                return false;
            }
            matchingCommits.incrementAndGet();
            return armed.compareAndSet(true, false);
        }
    }

    private Connection connection(Connection connection) {
        List<String> transaction = new ArrayList<>();
        return (Connection) Proxy.newProxyInstance(FaultyDataSource.class.getClassLoader(), new Class<?>[] {Connection.class},
                (p, method, args) -> {
                    String name = method.getName();
                    if (name.equals("prepareStatement") && args != null && args[0] instanceof String) {
                        String sql = (String) args[0];
                        synchronized (transaction) {
                            transaction.add(sql);
                        }
                        return statement(connection, (PreparedStatement) invoke(connection, method, args), sql);
                    }
                    if (name.equals("rollback")) {
                        synchronized (transaction) {
                            transaction.clear();
                        }
                        return invoke(connection, method, args);
                    }
                    if (name.equals("commit")) {
                        List<String> done;
                        synchronized (transaction) {
                            done = List.copyOf(transaction);
                            transaction.clear();
                        }
                        Object result = invokeCounted(connection, method, args);
                        if (commitFault.lose(done)) {
                            lostCommits.incrementAndGet();
                            throw new SQLException("connection lost after commit (simulated)", "08006");
                        }
                        return result;
                    }
                    return invoke(connection, method, args);
                });
    }

    private PreparedStatement statement(Connection connection, PreparedStatement statement, String sql) {
        return (PreparedStatement) Proxy.newProxyInstance(FaultyDataSource.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (p, method, args) -> {
                    if (EXECUTE.contains(method.getName())) {
                        statementFault.before(connection, sql);
                        return invokeCounted(statement, method, args);
                    }
                    return invoke(statement, method, args);
                });
    }

    private Object invokeCounted(Object on, Method method, Object[] args) throws Throwable {
        try {
            return invoke(on, method, args);
        } catch (SQLException e) {
            driverFailures.add(String.valueOf(e.getSQLState()));
            throw e;
        }
    }

    private static Object invoke(Object on, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(on, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
