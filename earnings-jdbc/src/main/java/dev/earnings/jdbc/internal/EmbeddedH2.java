package dev.earnings.jdbc.internal;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * H2's own data source for the embedded database's migrations, in a class of its own so that
 * the entry point loads without H2 on the classpath (hosts on PostgreSQL need not ship it).
 */
public final class EmbeddedH2 {
    private EmbeddedH2() {
    }

    /**
     * A data source that opens a new connection each time, with the password as given. Flyway
     * takes credentials as text and trims them, and with file encryption H2's password is the
     * file password and a space (the user's password is empty): trimmed, H2 refuses it.
     *
     * @param url the embedded database's URL
     * @param user its user
     * @param password its password, exactly
     * @return the data source
     */
    public static DataSource dataSource(String url, String user, String password) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        return dataSource;
    }
}
