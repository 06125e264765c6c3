package dev.earnings.examples.host;

import static dev.earnings.examples.browser.DemoPages.assertAdminTotalsShow;
import static dev.earnings.examples.browser.DemoPages.assertDashboardShows;
import static dev.earnings.examples.browser.DemoPages.signIn;
import static dev.earnings.examples.browser.DemoPages.signInToAdminPage;
import static dev.earnings.examples.browser.DemoPages.waitForPeriod;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.earnings.examples.browser.HeadlessChromium;
import dev.earnings.testkit.TestClock;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the dashboard in headless Chromium (through ChromeDriver's WebDriver protocol, spoken
 * directly over HTTP), signs in on its form, changes the period filter, checks the figures shown
 * against the API's answer (the demo's refunded use marked in the recent activity, what is held
 * and owed), and saves a screenshot under {@code target/}; then signs in to the admin page, runs a
 * bulk dry run, pages and filters the audit log, reverses part of a use through its form, and
 * sees the webhooks section list the demo data's events delivered to the app's own receiver, then
 * the reversal's. All of it under the app's Content-Security-Policy, which
 * allows no inline script, and with the token never in a URL (one there is refused).
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}; {@code .ci/run} installs them.
 * Without them the test is skipped with a message, except under {@code CI=true}, where it fails
 * ({@link HeadlessChromium}). Every wait is bounded, and the whole test has a timeout of its own.
 */
class DashboardBrowserTest {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void dashboard_showsTheApisFigures_beforeAndAfterChangingThePeriod(@TempDir Path directory) throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.start(directory);
                HostApp app = HostApp.start(directory.resolve("db"), TestClock.at(TestClock.DEFAULT_START), 0)) {
            String site = "http://127.0.0.1:" + app.port();
            // A token in the URL is refused, not taken: the page says how to sign in instead.
            browser.open(site + "/?token=demo-ada");
            assertThat(browser.script("return document.body.textContent;").asText()).contains("Authorization header");

            // Signing in on the page's form, as a person does; the token stays out of the URL.
            browser.open(site + "/");
            signIn(browser, "demo-ada");
            waitForPeriod(browser, "30");
            assertThat(browser.script("return location.href;").asText()).isEqualTo(site + "/");
            // The page asks in the zone its picker starts on, the browser's own.
            String zone = URLEncoder.encode(browser.script("return document.getElementById('zone').value;").asText(),
                    StandardCharsets.UTF_8);
            assertDashboardShows(browser, browser.get(site + "/api/creator-analytics?period=30&zone=" + zone, "demo-ada"));

            // Change the period filter as a user would: pick "last 7 days" in the select.
            browser.select("period", "7");
            waitForPeriod(browser, "7");
            assertDashboardShows(browser, browser.get(site + "/api/creator-analytics?period=7&zone=" + zone, "demo-ada"));

            Path shot = browser.screenshot(Path.of("target", "dashboard-last-7-days.png"));
            assertThat(Files.size(shot)).isGreaterThan(10_000);

            // The admin page, signed out and in again: its figures, and a bulk dry run, which
            // posts JSON as application/json under the same policy.
            signInToAdminPage(browser, site);
            assertAdminTotalsShow(browser, browser.get(site + "/api/admin/totals?period=30", "demo-admin"));

            // The webhooks section: the demo data's events, each delivered in one attempt
            // answered 200, as the API lists them, and taken by the app's own receiver.
            int events = HostAppWebhooksTest.DEMO_EVENT_COUNT;
            browser.waitFor("the demo's delivered events in the webhooks section", "return document.querySelectorAll("
                    + "'#deliveries tr').length === " + events + " && [...document.querySelectorAll('#deliveries tr')]"
                    + ".every(tr => tr.children[3].textContent === 'HTTP 200');");
            JsonNode deliveries = browser.get(site + "/api/admin/webhooks/deliveries", "demo-admin");
            assertThat(deliveries.get("items")).hasSize(events);
            JsonNode newest = deliveries.get("items").get(0);
            assertThat(browser.script("return document.querySelector('#deliveries tr').textContent;").asText())
                    .contains(newest.get("type").asText(), newest.get("eventId").asText(), "HTTP 200", " ms");
            browser.waitFor("the demo's events received", "return document.querySelectorAll('#received tr').length === "
                    + events + ";");
            browser.waitForText("events-status", "consumer webhooks posts every event to http://127.0.0.1:" + app.port()
                    + " (the app's own receiver): 0 pending, 0 lanes retrying, 0 dead letters");
            assertThat(browser.script("return document.getElementById('replay').disabled;").asBoolean()).isTrue();
            assertThat(browser.script("return document.getElementById('webhooks').hidden;").asBoolean()).isFalse();

            browser.type("bulk-threshold", "1");
            browser.submit("bulk-form");
            browser.waitForText("payout-message", "dry run: ");
            assertThat(browser.text("payout-message")).contains("ada WOULD_CREATE", "lin WOULD_CREATE");

            // The audit log: the demo data's changes, newest first, the refund on top.
            JsonNode audit = browser.get(site + "/api/admin/audit-log?page=0&size=20", "demo-admin");
            String all = "page 1 of " + audit.get("totalPages").asLong() + ", " + audit.get("totalItems").asLong()
                    + " entries";
            browser.waitForText("audit-status", all);
            assertThat(browser.script("return document.querySelectorAll('#audit tr').length;").asInt())
                    .isEqualTo(audit.get("items").size());
            assertThat(browser.script("return document.querySelector('#audit tr').textContent;").asText())
                    .contains("admin-1", "USE_REVERSED", "use demo-d0-0", "refunded: the generation failed");
            // Only the reversals, through the filter form.
            browser.type("audit-action", "USE_REVERSED");
            browser.submit("audit-form");
            browser.waitForText("audit-status", "page 1 of 1, 1 entry");
            assertThat(browser.script("return document.querySelectorAll('#audit tr').length;").asInt()).isEqualTo(1);

            // A partial reversal through the admin page's form; the filtered log shows it at once.
            browser.type("reverse-event", "demo-d3-1");
            browser.type("reverse-amount", "0.001");
            browser.type("reverse-correction", "browser-refund-1");
            browser.type("reverse-reason", "partial refund");
            browser.submit("reverse-form");
            browser.waitForText("reverse-message", "reversed $0.001000 of demo-d3-1 (ada, ");
            browser.waitForText("audit-status", "page 1 of 1, 2 entries");
            assertThat(browser.script("return document.querySelector('#audit tr').textContent;").asText())
                    .contains("USE_REVERSED", "use demo-d3-1", "partial refund", "correctionId browser-refund-1");
            // The reversal's event, delivered and received, shows on top within the section's refresh.
            browser.waitFor("the reversal's event received", "const tr = document.querySelector('#received tr');"
                    + " return tr !== null && tr.textContent.includes('use.reversed')"
                    + " && tr.textContent.includes('correctionId browser-refund-1');");
            assertThat(browser.script("return document.querySelector('#received tr').textContent;").asText())
                    .contains("ada", "eventId demo-d3-1", "amount -0.001", "reason partial refund");
            browser.waitFor("the reversal's delivery", "const tr = document.querySelector('#deliveries tr');"
                    + " return tr.textContent.includes('use.reversed') && tr.children[3].textContent === 'HTTP 200';");
        }
    }
}
