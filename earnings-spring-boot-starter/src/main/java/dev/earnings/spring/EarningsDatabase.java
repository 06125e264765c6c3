package dev.earnings.spring;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The database of the auto-configured {@code Earnings} bean: the application's {@code DataSource}
 * or the embedded database, with the schema. A bean only beside that {@code Earnings} bean, so the
 * health indicator checks the database the library really runs on, and none when the application
 * builds its own {@code Earnings}.
 */
final class EarningsDatabase {
    private final @Nullable DataSource dataSource;
    private final @Nullable Path embeddedDirectory;
    private final @Nullable String embeddedFilePassword;
    private final @Nullable String schema;

    EarningsDatabase(@Nullable DataSource dataSource, EarningsProperties properties) {
        this.dataSource = dataSource;
        this.embeddedDirectory = properties.getEmbeddedDirectory();
        this.embeddedFilePassword = properties.getEmbeddedFilePassword();
        this.schema = properties.getSchema();
    }

    // No method here names a class of Spring Boot's health support, EarningsHealthIndicator
    // included: this bean is made with or without that support, and Spring reads every method's
    // signature of a bean's class, which fails where a class it names is missing.
    // EarningsHealthAutoConfiguration makes the indicator from these.

    @Nullable DataSource dataSource() {
        return dataSource;
    }

    @Nullable Path embeddedDirectory() {
        return embeddedDirectory;
    }

    @Nullable String embeddedFilePassword() {
        return embeddedFilePassword;
    }

    @Nullable String schema() {
        return schema;
    }
}
