package dev.earnings.examples.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.earnings.testkit.TestClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
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
 * Without them the test is skipped with a message, except under {@code CI=true}, where it fails.
 *
 * <p>Nothing here waits without a bound: every request has a timeout, every polling loop a
 * deadline, the driver process a time to exit, and the whole test a timeout of its own; each
 * fails the test with a message saying what did not happen.
 */
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** How long one WebDriver command or API request may take; starting the browser may take longer. */
    static final Duration REQUEST = Duration.ofSeconds(30);
    static final Duration NEW_SESSION = Duration.ofSeconds(90);
    static final Duration DRIVER_START = Duration.ofSeconds(20);
    static final Duration PAGE_LOAD = Duration.ofSeconds(20);

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final ObjectMapper json = new ObjectMapper();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void dashboard_showsTheApisFigures_beforeAndAfterChangingThePeriod(@TempDir Path directory) throws Exception {
        requireBrowser();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path driverLog = directory.resolve("chromedriver.log");
        Process driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port).redirectErrorStream(true)
                .redirectOutput(driverLog.toFile()).start();
        try (HostApp app = HostApp.start(directory.resolve("db"), TestClock.at(TestClock.DEFAULT_START), 0)) {
            String webdriver = "http://127.0.0.1:" + port;
            waitForDriver(webdriver, driver, driverLog);
            ObjectNode options = json.createObjectNode();
            options.put("binary", CHROMIUM.toString());
            options.putArray("args").add("--headless").add("--no-sandbox").add("--disable-gpu")
                    .add("--disable-background-networking").add("--window-size=1200,1400");
            ObjectNode capabilities = json.createObjectNode();
            capabilities.putObject("capabilities").putObject("alwaysMatch").put("browserName", "chrome")
                    .set("goog:chromeOptions", options);
            String session = post(webdriver + "/session", capabilities, NEW_SESSION).get("value").get("sessionId").asText();
            String base = webdriver + "/session/" + session;
            try {
                String site = "http://127.0.0.1:" + app.port();
                // A token in the URL is refused, not taken: the page says how to sign in instead.
                post(base + "/url", json.createObjectNode().put("url", site + "/?token=demo-ada"));
                assertThat(script(base, "return document.body.textContent;").asText()).contains("Authorization header");

                // Signing in on the page's form, as a person does; the token stays out of the URL.
                post(base + "/url", json.createObjectNode().put("url", site + "/"));
                signIn(base, "demo-ada");
                waitForPeriod(base, "30");
                assertThat(script(base, "return location.href;").asText()).isEqualTo(site + "/");
                assertFigures(base, site, "30");

                // Change the period filter as a user would: pick "last 7 days" in the select.
                script(base, "const s = document.getElementById('period'); s.value = '7';"
                        + " s.dispatchEvent(new Event('change')); return true;");
                waitForPeriod(base, "7");
                assertFigures(base, site, "7");

                JsonNode shot = http(HttpRequest.newBuilder(URI.create(base + "/screenshot")).timeout(REQUEST).GET().build());
                Path target = Path.of("target", "dashboard-last-7-days.png");
                Files.createDirectories(target.getParent());
                Files.write(target, Base64.getDecoder().decode(shot.get("value").asText()));
                assertThat(Files.size(target)).isGreaterThan(10_000);

                // The admin page, signed out and in again: its figures, and a bulk dry run, which
                // posts JSON as application/json under the same policy.
                script(base, "document.getElementById('sign-out').click(); return true;");
                post(base + "/url", json.createObjectNode().put("url", site + "/admin.html"));
                signIn(base, "demo-admin");
                waitForStatus(base, "period 30 loaded");
                JsonNode totals = http(HttpRequest.newBuilder(URI.create(site + "/api/admin/totals?period=30"))
                        .timeout(REQUEST).header("Authorization", "Bearer demo-admin").GET().build());
                assertThat(text(base, "admin-earnings")).isEqualTo(usd(totals.get("earnings").asText()));
                assertThat(text(base, "admin-reversed")).isEqualTo(usd(totals.get("reversed").asText()));

                // The webhooks section: the demo data's eight events, each delivered in one attempt
                // answered 200, as the API lists them, and taken by the app's own receiver.
                waitFor(base, "eight delivered events in the webhooks section", "return document.querySelectorAll("
                        + "'#deliveries tr').length === 8 && [...document.querySelectorAll('#deliveries tr')]"
                        + ".every(tr => tr.children[3].textContent === 'HTTP 200');");
                JsonNode deliveries = http(HttpRequest.newBuilder(URI.create(site + "/api/admin/webhooks/deliveries"))
                        .timeout(REQUEST).header("Authorization", "Bearer demo-admin").GET().build());
                assertThat(deliveries.get("items")).hasSize(8);
                JsonNode newest = deliveries.get("items").get(0);
                assertThat(script(base, "return document.querySelector('#deliveries tr').textContent;").asText())
                        .contains(newest.get("type").asText(), newest.get("eventId").asText(), "HTTP 200", " ms");
                waitFor(base, "eight events received", "return document.querySelectorAll('#received tr').length === 8;");
                waitForText(base, "events-status", "consumer webhooks posts every event to http://127.0.0.1:" + app.port()
                        + " (the app's own receiver): 0 pending, 0 lanes retrying, 0 dead letters");
                assertThat(script(base, "return document.getElementById('replay').disabled;").asBoolean()).isTrue();

                script(base, "document.getElementById('bulk-threshold').value = '1';"
                        + " document.getElementById('bulk-form').requestSubmit(); return true;");
                waitForText(base, "payout-message", "dry run: ");
                assertThat(text(base, "payout-message")).contains("ada WOULD_CREATE", "lin WOULD_CREATE");

                // The audit log: the demo data's changes, newest first, the refund on top.
                JsonNode audit = http(HttpRequest.newBuilder(URI.create(site + "/api/admin/audit-log?page=0&size=20"))
                        .timeout(REQUEST).header("Authorization", "Bearer demo-admin").GET().build());
                String all = "page 1 of " + audit.get("totalPages").asLong() + ", " + audit.get("totalItems").asLong()
                        + " entries";
                waitForText(base, "audit-status", all);
                assertThat(script(base, "return document.querySelectorAll('#audit tr').length;").asInt())
                        .isEqualTo(audit.get("items").size());
                assertThat(script(base, "return document.querySelector('#audit tr').textContent;").asText())
                        .contains("admin-1", "USE_REVERSED", "use demo-d0-0", "refunded: the generation failed");
                // Only the reversals, through the filter form.
                script(base, "document.getElementById('audit-action').value = 'USE_REVERSED';"
                        + " document.getElementById('audit-form').requestSubmit(); return true;");
                waitForText(base, "audit-status", "page 1 of 1, 1 entry");
                assertThat(script(base, "return document.querySelectorAll('#audit tr').length;").asInt()).isEqualTo(1);

                // A partial reversal through the admin page's form; the filtered log shows it at once.
                script(base, "document.getElementById('reverse-event').value = 'demo-d3-1';"
                        + " document.getElementById('reverse-amount').value = '0.001';"
                        + " document.getElementById('reverse-correction').value = 'browser-refund-1';"
                        + " document.getElementById('reverse-reason').value = 'partial refund';"
                        + " document.getElementById('reverse-form').requestSubmit(); return true;");
                waitForText(base, "reverse-message", "reversed $0.001000 of demo-d3-1 (ada, ");
                waitForText(base, "audit-status", "page 1 of 1, 2 entries");
                assertThat(script(base, "return document.querySelector('#audit tr').textContent;").asText())
                        .contains("USE_REVERSED", "use demo-d3-1", "partial refund", "correctionId browser-refund-1");
                // The reversal's event, delivered and received, shows on top within the section's refresh.
                waitFor(base, "the reversal's event received", "const tr = document.querySelector('#received tr');"
                        + " return tr !== null && tr.textContent.includes('use.reversed')"
                        + " && tr.textContent.includes('correctionId browser-refund-1');");
                assertThat(script(base, "return document.querySelector('#received tr').textContent;").asText())
                        .contains("ada", "eventId demo-d3-1", "amount -0.001", "reason partial refund");
                waitFor(base, "the reversal's delivery", "const tr = document.querySelector('#deliveries tr');"
                        + " return tr.textContent.includes('use.reversed') && tr.children[3].textContent === 'HTTP 200';");
            } finally {
                try {
                    http(HttpRequest.newBuilder(URI.create(base)).timeout(REQUEST).DELETE().build());
                } catch (Exception | AssertionError e) {
                    // Closing the session is cleanup; the driver is stopped below either way.
                    System.err.println("could not close the WebDriver session: " + e);
                }
            }
        } finally {
            stop(driver);
        }
    }

    /** Stops the driver, forcibly if it does not exit in time, and fails if it still runs. */
    private static void stop(Process driver) throws InterruptedException {
        driver.destroy();
        if (!driver.waitFor(10, TimeUnit.SECONDS)) {
            driver.destroyForcibly();
            if (!driver.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("chromedriver (pid " + driver.pid() + ") did not exit within 20 s of being stopped");
            }
        }
    }

    private void assertFigures(String base, String site, String period) throws Exception {
        JsonNode api = http(HttpRequest.newBuilder(URI.create(site + "/api/creator-analytics?period=" + period))
                .timeout(REQUEST).header("Authorization", "Bearer demo-ada").GET().build());
        assertThat(text(base, "total-earnings")).isEqualTo(usd(api.get("totalEarnings").asText()));
        assertThat(text(base, "total-usage")).isEqualTo(String.format("%,d", api.get("totalUsage").asLong()));
        assertThat(text(base, "active-models")).isEqualTo(api.get("activeModels").asText());
        assertThat(text(base, "average-per-model")).isEqualTo(usd(api.get("averagePerModel").asText()));
        assertThat(script(base, "return document.querySelectorAll('#models tr').length;").asInt())
                .isEqualTo(api.get("models").size());
        assertThat(script(base, "return document.querySelectorAll('#trend rect').length;").asInt())
                .isEqualTo(api.get("trend").size());

        // Earned, reversed and net; the balance with what is held and owed.
        JsonNode balance = api.get("balance");
        assertThat(text(base, "gross-earnings")).isEqualTo(usd(api.get("grossEarnings").asText()));
        assertThat(text(base, "total-reversed")).isEqualTo(usd(api.get("totalReversed").asText()));
        assertThat(text(base, "lifetime-reversed")).isEqualTo(usd(api.get("lifetimeReversed").asText()));
        assertThat(text(base, "held")).isEqualTo(usd(balance.get("held").asText())).isNotEqualTo("$0.00");
        assertThat(text(base, "available")).isEqualTo(usd(balance.get("available").asText()));
        assertThat(text(base, "owed")).isEqualTo(usd(balance.get("owed").asText()));

        // The demo's refunded use, ada's latest, is marked in the recent activity, and only it.
        List<JsonNode> reversed = new ArrayList<>();
        api.get("recentActivity").forEach(a -> {
            if (a.get("isReversed").asBoolean()) {
                reversed.add(a);
            }
        });
        assertThat(reversed).hasSize(1);
        assertThat(script(base, "return document.querySelectorAll('#activity tr.reversed').length;").asInt()).isEqualTo(1);
        assertThat(script(base, "return document.querySelector('#activity tr').className;").asText()).isEqualTo("reversed");
        assertThat(script(base, "return document.querySelector('#activity tr.reversed').textContent;").asText())
                .contains("reversed " + usd(reversed.get(0).get("reversed").asText(), 6));
    }

    /** What the page shows for an amount: dollars, rounded half-up to cents. */
    private static String usd(String amount) {
        return usd(amount, 2);
    }

    /** What the page shows for an amount at so many places, rounded half-up. */
    private static String usd(String amount, int places) {
        BigDecimal rounded = new BigDecimal(amount).setScale(places, RoundingMode.HALF_UP);
        return (rounded.signum() < 0 ? "-$" : "$") + rounded.abs().toPlainString();
    }

    private String text(String base, String id) throws Exception {
        return script(base, "return document.getElementById('" + id + "').textContent;").asText();
    }

    private JsonNode script(String base, String code) throws Exception {
        ObjectNode body = json.createObjectNode().put("script", code);
        body.putArray("args");
        return post(base + "/execute/sync", body).get("value");
    }

    /** Waits for the sign-in form, then types the token into it and submits it. */
    private void signIn(String base, String token) throws Exception {
        waitFor(base, "the sign-in form", "return document.body.dataset.signIn === 'shown';");
        script(base, "document.getElementById('token').value = '" + token + "';"
                + " document.getElementById('sign-in').requestSubmit(); return true;");
    }

    private void waitForStatus(String base, String status) throws Exception {
        waitFor(base, "the status '" + status + "'", "return document.getElementById('status').textContent === '"
                + status + "';");
    }

    private void waitForText(String base, String id, String prefix) throws Exception {
        // The prefix as a JSON string is a JavaScript string literal, whatever quotes it holds.
        waitFor(base, "#" + id + " to start with '" + prefix + "'", "return document.getElementById('" + id
                + "').textContent.startsWith(" + json.writeValueAsString(prefix) + ");");
    }

    /** Polls a script that returns a boolean until it returns true, up to {@link #PAGE_LOAD}. */
    private void waitFor(String base, String what, String condition) throws Exception {
        long deadline = System.nanoTime() + PAGE_LOAD.toNanos();
        while (!script(base, condition).asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page did not show " + what + " within " + PAGE_LOAD.toSeconds()
                        + " s; status: " + text(base, "status"));
            }
            Thread.sleep(100);
        }
    }

    private void waitForPeriod(String base, String period) throws Exception {
        long deadline = System.nanoTime() + PAGE_LOAD.toNanos();
        while (!period.equals(script(base, "return document.body.dataset.loadedPeriod || '';").asText())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the dashboard did not load period " + period + " within " + PAGE_LOAD.toSeconds()
                        + " s; status: " + text(base, "status"));
            }
            Thread.sleep(100);
        }
    }

    /** Waits, up to {@link #DRIVER_START}, until the driver says it is ready. */
    private void waitForDriver(String webdriver, Process driver, Path log) throws Exception {
        long deadline = System.nanoTime() + DRIVER_START.toNanos();
        String last = "no answer";
        while (true) {
            try {
                JsonNode status = http(HttpRequest.newBuilder(URI.create(webdriver + "/status")).timeout(Duration.ofSeconds(5))
                        .GET().build());
                if (status.get("value").get("ready").asBoolean()) {
                    return;
                }
                last = "not ready: " + status;
            } catch (IOException | AssertionError e) {
                // Not listening yet, or not answering yet: asked again until the deadline.
                last = e.toString();
            }
            if (!driver.isAlive()) {
                throw new AssertionError("chromedriver exited with " + driver.exitValue() + "; its log:\n" + read(log));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("chromedriver was not ready within " + DRIVER_START.toSeconds() + " s (" + last
                        + "); its log:\n" + read(log));
            }
            Thread.sleep(100);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private JsonNode post(String url, JsonNode body) throws Exception {
        return post(url, body, REQUEST);
    }

    private JsonNode post(String url, JsonNode body, Duration timeout) throws Exception {
        return http(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build());
    }

    /** Sends a request that must carry a timeout; one that takes longer fails the test, saying which. */
    private JsonNode http(HttpRequest request) throws Exception {
        if (request.timeout().isEmpty()) {
            throw new IllegalArgumentException("a request without a timeout: " + request);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new AssertionError(request.method() + " " + request.uri() + " got no answer within "
                    + request.timeout().get().toMillis() + " ms", e);
        }
        JsonNode node = json.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new AssertionError("WebDriver answered " + response.statusCode() + ": " + node);
        }
        return node;
    }

    private static void requireBrowser() {
        List<Path> missing = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER) ? List.of()
                : List.of(CHROMIUM, CHROMEDRIVER);
        if (!missing.isEmpty()) {
            String message = "headless Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "); install Debian's chromium and chromium-driver";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + "; with CI=true the browser test may not be skipped");
            }
            Assumptions.assumeTrue(false, message);
        }
    }
}
