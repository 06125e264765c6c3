package dev.earnings.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * A data source whose connections commit and then, when told to, report the connection lost:
 * the commit happened, the caller cannot know it. The worst case for exactly-once recording.
 */
final class LostCommits {
    private LostCommits() {
    }

    static DataSource wrap(DataSource target, BooleanSupplier loseThisCommit) {
        return (DataSource) Proxy.newProxyInstance(LostCommits.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    return result instanceof Connection ? connection((Connection) result, loseThisCommit) : result;
                });
    }

    private static Connection connection(Connection target, BooleanSupplier loseThisCommit) {
        return (Connection) Proxy.newProxyInstance(LostCommits.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    if (method.getName().equals("commit") && loseThisCommit.getAsBoolean()) {
                        throw new SQLException("connection lost after commit (simulated)", "08006");
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
