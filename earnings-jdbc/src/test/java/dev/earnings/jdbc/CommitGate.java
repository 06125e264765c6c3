package dev.earnings.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A data source that counts commits and, when armed, holds the next commit until released: the
 * transaction is written and waits at its commit, so a test can make other calls arrive while it
 * is in flight and see what they do.
 */
final class CommitGate {
    final AtomicInteger commits = new AtomicInteger();
    private volatile CountDownLatch held = new CountDownLatch(0);
    private volatile CountDownLatch release = new CountDownLatch(0);
    private volatile boolean armed;

    DataSource wrap(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(CommitGate.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    return result instanceof Connection ? connection((Connection) result) : result;
                });
    }

    /** The next commit, in whatever thread, waits until {@link #open()}. */
    void arm() {
        held = new CountDownLatch(1);
        release = new CountDownLatch(1);
        armed = true;
    }

    /** Waits until an armed commit is being held. */
    void awaitHeld() throws InterruptedException {
        if (!held.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("no commit arrived at the gate");
        }
    }

    void open() {
        release.countDown();
    }

    private Connection connection(Connection target) {
        return (Connection) Proxy.newProxyInstance(CommitGate.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit")) {
                        boolean mine;
                        synchronized (this) {
                            mine = armed;
                            armed = false;
                        }
                        if (mine) {
                            held.countDown();
                            if (!release.await(30, TimeUnit.SECONDS)) {
                                throw new AssertionError("the gate was never opened");
                            }
                        }
                        Object result = invoke(target, method, args);
                        commits.incrementAndGet();
                        return result;
                    }
                    return invoke(target, method, args);
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
