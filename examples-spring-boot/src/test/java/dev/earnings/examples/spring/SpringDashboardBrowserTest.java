package dev.earnings.examples.spring;

import static dev.earnings.examples.browser.DemoPages.assertAdminTotalsShow;
import static dev.earnings.examples.browser.DemoPages.assertDashboardShows;
import static dev.earnings.examples.browser.DemoPages.signIn;
import static dev.earnings.examples.browser.DemoPages.signInToAdminPage;
import static dev.earnings.examples.browser.DemoPages.usd;
import static dev.earnings.examples.browser.DemoPages.waitForPeriod;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.earnings.examples.browser.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example host's pages on the Spring Boot app, in headless Chromium: the dashboard signed in
 * as {@code demo-ada} shows what the starter's {@code GET /api/creator-analytics} answers, for two
 * periods; the admin page signed in as {@code demo-admin} shows the starter's totals and creators,
 * runs a bulk dry run, creates a payout and completes it through its buttons, and sees the audit
 * log record it; the webhook section, whose endpoints this app does not have, is hidden, not an
 * error. Screenshots of both pages go under {@code target/}.
 *
 * <p>The app runs on a random port, on an embedded database of its own in a temporary directory,
 * with the demo data loaded at start. Without Debian's {@code chromium} and {@code chromium-driver}
 * the test is skipped with a message, except under {@code CI=true}, where it fails
 * ({@link HeadlessChromium}).
 */
@SpringBootTest(classes = SpringHostApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SpringDashboardBrowserTest {
    @TempDir
    static Path directory;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("earnings.embedded-directory", () -> directory.resolve("db").toString());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pages_showTheStartersAnswers_andTheAdminPagePaysOut() throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.start(directory)) {
            String site = "http://127.0.0.1:" + port;

            // The dashboard, served from the examples' jar, signed in on its form.
            browser.open(site + "/");
            signIn(browser, "demo-ada");
            waitForPeriod(browser, "30");
            assertThat(browser.text("who")).startsWith("ada, ");
            JsonNode month = browser.get(site + "/api/creator-analytics?period=30", "demo-ada");
            assertDashboardShows(browser, month);
            // The starter's answer names no model list of its own: the filter offers the models shown.
            assertThat(browser.script("return [...document.querySelectorAll('#model option')].map(o => o.value).join(',');")
                    .asText()).isEqualTo("," + String.join(",", month.get("models").findValuesAsText("modelId")));

            browser.select("period", "7");
            waitForPeriod(browser, "7");
            assertDashboardShows(browser, browser.get(site + "/api/creator-analytics?period=7", "demo-ada"));
            // The insight sections: shown with the starter's answers, or hidden where it has no such
            // endpoint (404), rather than showing an error.
            browser.waitFor("the insight sections", "return document.body.dataset.insights !== undefined;");
            assertThat(browser.script("return ['goal', 'forecast', 'alerts', 'recommendations', 'compare', 'market']"
                    + ".every(s => { const e = document.getElementById(s + '-section'); return e.dataset.state === 'absent'"
                    + " ? e.hidden : e.dataset.state === 'loaded' && !e.hidden; });").asBoolean()).isTrue();
            assertThat(Files.size(browser.screenshot(Path.of("target", "spring-dashboard-last-7-days.png"))))
                    .isGreaterThan(10_000);

            // The admin page: the starter's totals and creators as its API answers them.
            signInToAdminPage(browser, site);
            assertAdminTotalsShow(browser, browser.get(site + "/api/admin/totals?period=30", "demo-admin"));
            assertThat(browser.text("admin-creators")).isEqualTo("2");
            JsonNode creators = browser.get(site + "/api/admin/creators?period=30&sort=LIFETIME_EARNINGS", "demo-admin");
            assertThat(browser.script("return [...document.querySelectorAll('#creators tr')].map(tr => tr.children[0]"
                    + ".textContent).join(',');").asText())
                    .isEqualTo(String.join(",", creators.get("items").findValuesAsText("creatorId")))
                    .contains("ada", "lin");
            assertThat(browser.script("return document.querySelector('#creators tr').children[1].textContent;").asText())
                    .isEqualTo(usd(creators.get("items").get(0).get("lifetimeEarnings").asText(), 4));

            // This app has no webhook endpoints: the section is hidden once they answer 404, with no error shown.
            browser.waitFor("the webhooks section hidden", "return document.body.dataset.webhooksLoaded === 'absent';");
            assertThat(browser.script("return document.getElementById('webhooks').hidden;").asBoolean()).isTrue();
            assertThat(browser.script("return document.getElementById('webhooks').offsetHeight;").asInt()).isZero();
            assertThat(browser.text("events-status")).isEmpty();
            assertThat(browser.text("status")).isEqualTo("period 30 loaded");

            // A bulk dry run through its form: both creators have more than a cent available.
            browser.type("bulk-threshold", "1");
            browser.submit("bulk-form");
            browser.waitForText("payout-message", "dry run: ");
            assertThat(browser.text("payout-message")).contains("ada WOULD_CREATE", "lin WOULD_CREATE");

            // A payout for ada through the form, then completed with its button.
            browser.type("payout-creator", "ada");
            browser.type("payout-amount", "125");
            browser.type("payout-reference", "spring-browser-1");
            browser.submit("payout-form");
            browser.waitForText("payout-message", "payout #");
            String id = browser.text("payout-message").replaceAll("payout #(\\d+) created", "$1");
            assertThat(browser.script("return document.querySelector('#payouts tr').textContent;").asText())
                    .contains("#" + id, "ada", "$1.25", "PENDING");
            browser.script("document.querySelector('#payouts tr button').click(); return true;");
            browser.waitFor("the payout completed", "return document.querySelector('#payouts tr').textContent"
                    + ".includes('COMPLETED');");
            JsonNode ada = browser.get(site + "/api/creator-analytics?creatorId=ada&period=30", "demo-admin");
            assertThat(ada.get("transactions").get(0).get("id").asText()).isEqualTo(id);
            assertThat(ada.get("transactions").get(0).get("reference").asText()).isEqualTo("spring-browser-1");
            assertThat(ada.get("transactions").get(0).get("status").asText()).isEqualTo("COMPLETED");
            assertThat(ada.get("transactions").get(0).get("amount").asText()).isEqualTo("1.25");

            // The audit log shows the completion on top, as its API lists it.
            browser.waitFor("the completion in the audit log", "const tr = document.querySelector('#audit tr');"
                    + " return tr !== null && tr.textContent.includes('PAYOUT_COMPLETED');");
            JsonNode audit = browser.get(site + "/api/admin/audit-log?page=0&size=20", "demo-admin");
            assertThat(audit.get("items").get(0).get("action").asText()).isEqualTo("PAYOUT_COMPLETED");
            assertThat(browser.script("return document.querySelector('#audit tr').textContent;").asText())
                    .contains("admin-1", "PAYOUT_COMPLETED", "payout " + id);
            assertThat(Files.size(browser.screenshot(Path.of("target", "spring-admin.png")))).isGreaterThan(10_000);
        }
    }
}
