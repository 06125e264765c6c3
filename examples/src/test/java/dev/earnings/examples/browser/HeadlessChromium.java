package dev.earnings.examples.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium for the browser tests of the example hosts' pages, driven through ChromeDriver's
 * WebDriver protocol spoken directly over HTTP: no WebDriver library, so the tests need nothing
 * beyond Debian's {@code chromium} and {@code chromium-driver} packages. {@link #start} starts
 * the driver and a browser session; {@link #close} ends both.
 *
 * <p>Without those packages {@link #start} skips the test with a message, except under
 * {@code CI=true}, where it fails it: there a skip would hide that the pages were never tested.
 *
 * <p>Nothing here waits without a bound: every request has a timeout, every polling loop a
 * deadline and the driver process a time to exit; each fails the test with a message saying what
 * did not happen.
 */
public final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** How long one WebDriver command or API request may take; starting the browser may take longer. */
    static final Duration REQUEST = Duration.ofSeconds(30);
    static final Duration NEW_SESSION = Duration.ofSeconds(90);
    static final Duration DRIVER_START = Duration.ofSeconds(20);
    /** How long {@link #waitFor} waits for a page to show something. */
    public static final Duration PAGE_LOAD = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Process driver;
    private final Path driverLog;
    private final String webdriver;
    private String session = "";

    private HeadlessChromium(Process driver, Path driverLog, String webdriver) {
        this.driver = driver;
        this.driverLog = driverLog;
        this.webdriver = webdriver;
    }

    /**
     * Starts ChromeDriver on a free port and opens a browser session with a 1200 by 1400 window.
     *
     * @param directory where the driver's log goes (it is quoted when the driver fails)
     * @return the browser, to close when done
     * @throws Exception if the driver or the browser does not start in time
     */
    public static HeadlessChromium start(Path directory) throws Exception {
        requireBrowser();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = directory.resolve("chromedriver.log");
        Process process = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        HeadlessChromium browser = new HeadlessChromium(process, log, "http://127.0.0.1:" + port);
        try {
            browser.waitForDriver();
            browser.newSession();
            return browser;
        } catch (Exception | AssertionError e) {
            browser.close();
            throw e;
        }
    }

    private void newSession() throws Exception {
        ObjectNode options = json.createObjectNode();
        options.put("binary", CHROMIUM.toString());
        options.putArray("args").add("--headless").add("--no-sandbox").add("--disable-gpu")
                .add("--disable-background-networking").add("--window-size=1200,1400");
        ObjectNode capabilities = json.createObjectNode();
        capabilities.putObject("capabilities").putObject("alwaysMatch").put("browserName", "chrome")
                .set("goog:chromeOptions", options);
        session = post(webdriver + "/session", capabilities, NEW_SESSION).get("value").get("sessionId").asText();
    }

    private String base() {
        return webdriver + "/session/" + session;
    }

    /**
     * Opens a page and waits until it has loaded.
     *
     * @param url the page's address
     * @throws Exception if the browser does not answer in time
     */
    public void open(String url) throws Exception {
        post(base() + "/url", json.createObjectNode().put("url", url));
    }

    /**
     * Runs a script in the page, as the body of a function.
     *
     * @param code the function's body; what it returns is the answer
     * @return what the script returned, as JSON
     * @throws Exception if the browser does not answer in time, or the script fails
     */
    public JsonNode script(String code) throws Exception {
        ObjectNode body = json.createObjectNode().put("script", code);
        body.putArray("args");
        return post(base() + "/execute/sync", body).get("value");
    }

    /**
     * The text an element shows.
     *
     * @param id the element's id
     * @return its text content
     * @throws Exception if the browser does not answer in time, or there is no such element
     */
    public String text(String id) throws Exception {
        return script("return document.getElementById(" + literal(id) + ").textContent;").asText();
    }

    /**
     * Types a value into an input, replacing what it held.
     *
     * @param id the input's id
     * @param value what to type
     * @throws Exception if the browser does not answer in time, or there is no such element
     */
    public void type(String id, String value) throws Exception {
        script("document.getElementById(" + literal(id) + ").value = " + literal(value) + "; return true;");
    }

    /**
     * Picks an option of a select, which tells the page as a person's choice does (a {@code change} event).
     *
     * @param id the select's id
     * @param value the option's value
     * @throws Exception if the browser does not answer in time, or there is no such element
     */
    public void select(String id, String value) throws Exception {
        script("const s = document.getElementById(" + literal(id) + "); s.value = " + literal(value) + ";"
                + " s.dispatchEvent(new Event('change')); return true;");
    }

    /**
     * Clicks an element.
     *
     * @param id the element's id
     * @throws Exception if the browser does not answer in time, or there is no such element
     */
    public void click(String id) throws Exception {
        script("document.getElementById(" + literal(id) + ").click(); return true;");
    }

    /**
     * Submits a form as its submit button does, running the page's handler.
     *
     * @param id the form's id
     * @throws Exception if the browser does not answer in time, or there is no such element
     */
    public void submit(String id) throws Exception {
        script("document.getElementById(" + literal(id) + ").requestSubmit(); return true;");
    }

    /**
     * Polls a script that returns a boolean until it returns true, up to {@link #PAGE_LOAD}.
     *
     * @param what what the page should show, for the failure's message
     * @param condition the script's body
     * @throws Exception if the browser does not answer in time
     * @throws AssertionError if the page does not show it in time; the message quotes the page's status line
     */
    public void waitFor(String what, String condition) throws Exception {
        long deadline = System.nanoTime() + PAGE_LOAD.toNanos();
        while (!script(condition).asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page did not show " + what + " within " + PAGE_LOAD.toSeconds()
                        + " s; status: " + script("const s = document.getElementById('status');"
                        + " return s === null ? '(none)' : s.textContent;").asText());
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until an element's text starts with a prefix.
     *
     * @param id the element's id
     * @param prefix how its text should start
     * @throws Exception if the browser does not answer in time
     * @throws AssertionError if the text does not start so in time
     */
    public void waitForText(String id, String prefix) throws Exception {
        waitFor("#" + id + " to start with '" + prefix + "'", "return document.getElementById(" + literal(id)
                + ").textContent.startsWith(" + literal(prefix) + ");");
    }

    /**
     * Saves a screenshot of the window as PNG.
     *
     * @param file where to save it; its directories are made
     * @return the file
     * @throws Exception if the browser does not answer in time, or the file cannot be written
     */
    public Path screenshot(Path file) throws Exception {
        JsonNode shot = http(HttpRequest.newBuilder(URI.create(base() + "/screenshot")).timeout(REQUEST).GET().build());
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.write(file, Base64.getDecoder().decode(shot.get("value").asText()));
        return file;
    }

    /**
     * Asks an API as the page does, with a bearer token, and fails unless it answers 200.
     *
     * @param url the endpoint, with its query
     * @param token the bearer token
     * @return the answer's JSON
     * @throws Exception if there is no answer in time
     */
    public JsonNode get(String url, String token) throws Exception {
        return http(HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST).header("Authorization", "Bearer " + token)
                .GET().build());
    }

    /** A string as a JavaScript string literal, whatever quotes it holds: JSON's string syntax is JavaScript's. */
    private String literal(String text) throws IOException {
        return json.writeValueAsString(text);
    }

    /**
     * Ends the browser session, then stops the driver, forcibly if it does not exit in time.
     *
     * @throws AssertionError if the driver still runs after that, or the wait for it is interrupted
     */
    @Override
    public void close() {
        if (!session.isEmpty()) {
            try {
                http(HttpRequest.newBuilder(URI.create(base())).timeout(REQUEST).DELETE().build());
            } catch (Exception | AssertionError e) {
                // Closing the session is cleanup; the driver is stopped below either way.
                System.err.println("could not close the WebDriver session: " + e);
            }
        }
        driver.destroy();
        try {
            if (!driver.waitFor(10, TimeUnit.SECONDS)) {
                driver.destroyForcibly();
                if (!driver.waitFor(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("chromedriver (pid " + driver.pid() + ") did not exit within 20 s of being stopped");
                }
            }
        } catch (InterruptedException e) {
            driver.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping chromedriver (pid " + driver.pid() + ")", e);
        }
    }

    /** Waits, up to {@link #DRIVER_START}, until the driver says it is ready. */
    private void waitForDriver() throws Exception {
        long deadline = System.nanoTime() + DRIVER_START.toNanos();
        String last = "no answer";
        while (true) {
            try {
                JsonNode status = http(HttpRequest.newBuilder(URI.create(webdriver + "/status"))
                        .timeout(Duration.ofSeconds(5)).GET().build());
                if (status.get("value").get("ready").asBoolean()) {
                    return;
                }
                last = "not ready: " + status;
            } catch (IOException | AssertionError e) {
                // Not listening yet, or not answering yet: asked again until the deadline.
                last = e.toString();
            }
            if (!driver.isAlive()) {
                throw new AssertionError("chromedriver exited with " + driver.exitValue() + "; its log:\n" + read(driverLog));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("chromedriver was not ready within " + DRIVER_START.toSeconds() + " s (" + last
                        + "); its log:\n" + read(driverLog));
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
            throw new AssertionError(request.method() + " " + request.uri() + " answered " + response.statusCode() + ": "
                    + node);
        }
        return node;
    }

    /** Skips the test without the browser, or fails it under {@code CI=true}. */
    private static void requireBrowser() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String message = "headless Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "); install Debian's chromium and chromium-driver";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + "; with CI=true the browser test may not be skipped");
            }
            Assumptions.assumeTrue(false, message);
        }
    }
}
