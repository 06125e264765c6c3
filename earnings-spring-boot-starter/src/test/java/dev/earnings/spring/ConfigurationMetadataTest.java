package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;

/** What Spring Boot reads from the jar: the auto-configurations, and the metadata for completion in IDEs. */
class ConfigurationMetadataTest {
    @Test
    void everyPropertyIsListedWithADescription() throws IOException {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the configuration processor's output").isNotNull();
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Map<String, Object>> properties = JsonPath.read(json, "$.properties[*]");
        assertThat(properties).extracting(p -> (String) p.get("name")).containsExactlyInAnyOrder(
                "earnings.embedded-directory", "earnings.embedded-file-password", "earnings.schema",
                "earnings.migrate-on-start", "earnings.require-row-level-security", "earnings.hold-days",
                "earnings.minimum-payout-minor", "earnings.max-attempts", "earnings.retry-budget",
                "earnings.maximum-pool-size", "earnings.group-commit-concurrency", "earnings.use-recorded-events",
                "earnings.event-retention", "earnings.pseudonym-key", "earnings.payout-schedules",
                "earnings.occurred-at-window.back", "earnings.occurred-at-window.ahead",
                "earnings.payout-scheduler.polling", "earnings.payout-scheduler.heartbeat",
                "earnings.migration.username", "earnings.migration.password", "earnings.migration.url",
                "earnings.rate-limits.per-user", "earnings.rate-limits.per-model", "earnings.rate-limits.storage",
                "earnings.async-recorder.enabled", "earnings.async-recorder.capacity", "earnings.async-recorder.max-batch",
                "earnings.async-recorder.flush-interval", "earnings.async-recorder.block-when-full",
                "earnings.async-recorder.writers", "earnings.async-recorder.close-timeout",
                "earnings.web.enabled", "earnings.web.admin-role", "earnings.web.tracker-role", "earnings.web.max-body-bytes",
                "earnings.web.requests-per-caller.uses", "earnings.web.requests-per-caller.per",
                "earnings.insights.minimum-creators", "earnings.insights.daily-checks");
        assertThat(properties).allSatisfy(p -> assertThat((String) p.get("description")).as("%s", p.get("name"))
                .isNotBlank().endsWith("."));
        assertThat(properties).filteredOn(p -> p.get("name").equals("earnings.hold-days"))
                .singleElement().satisfies(p -> assertThat(p.get("type")).isEqualTo("java.lang.Integer"));
        assertThat(properties).filteredOn(p -> p.get("name").equals("earnings.insights.minimum-creators"))
                .singleElement().satisfies(p -> assertThat((String) p.get("description")).contains("2 to 1000", "Default 10"));
        assertThat(properties).filteredOn(p -> p.get("name").equals("earnings.insights.daily-checks"))
                .singleElement().satisfies(p -> assertThat((String) p.get("description")).contains("00:15 UTC", "Default false"));
    }

    @Test
    void springBootFindsBothAutoConfigurations() {
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
                .contains(EarningsAutoConfiguration.class.getName(), EarningsHealthAutoConfiguration.class.getName(),
                        EarningsWebAutoConfiguration.class.getName());
    }
}
