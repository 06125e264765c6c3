package dev.earnings.examples.host;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.earnings.examples.host.HostClient.Answer;
import dev.earnings.testkit.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks found against the example host, each now answered safely: a client's token count,
 * floods of tracking calls and of guessed tokens, silent connections, other content types, loose
 * JSON (in {@link HostAppHttpTest}'s bad inputs), missing browser headers, tokens in URLs, and an
 * access log that named people.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostAppHardeningTest {
    static final Instant NOW = TestClock.DEFAULT_START;
    /** How many calls a flood sends, and from how many threads. */
    static final int FLOOD = 2_000;
    static final int FLOOD_THREADS = 8;

    final Queue<String> accessLog = new ConcurrentLinkedQueue<>();
    HostApp app;
    HostClient client;

    @BeforeAll
    void start(@TempDir Path directory) throws IOException {
        app = HostApp.start(directory.resolve("db"), TestClock.at(NOW), 0, accessLog::add);
        client = new HostClient(app);
    }

    @AfterAll
    void stop() {
        app.close();
    }

    // ------------------------------------------------------------------ a client's token count

    @Test
    void track_aClientsTokenCount_movesNoMoney_whoeverSendsIt() throws Exception {
        String earnedBefore = lin(client).get("balance").get("earned").asText();

        // The attack as found: an end user's token and a billion tokens on someone else's model.
        Answer endUser = client.call("POST", "/api/track-model-usage", "demo-user",
                "{\"modelId\":\"voice-clone\",\"tokensConsumed\":1000000000,\"usageType\":\"chat\"}");
        assertThat(endUser.status()).isEqualTo(403);
        // The host's backend itself may not pass a count on either: the app measures.
        Answer backend = client.track("{\"userId\":\"user-42\",\"modelId\":\"story-chat\",\"usageType\":\"chat\","
                + "\"prompt\":\"hi\",\"tokensConsumed\":1000000000}");
        assertThat(backend.status()).isEqualTo(400);
        assertThat(backend.body().get("field").asText()).isEqualTo("tokensConsumed");

        assertThat(lin(client).get("balance").get("earned").asText()).isEqualTo(earnedBefore);
    }

    @Test
    void track_aLongPrompt_isPaidForTheTokensItHas() throws Exception {
        // 1,000 repetitions of " hello" are 1,000 tokens: what the text holds, whatever is claimed.
        Answer answer = client.track("{\"userId\":\"user-long\",\"modelId\":\"story-chat\",\"usageType\":\"chat\","
                + "\"prompt\":\"" + " hello".repeat(1_000) + "\"}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().get("tokensConsumed").asLong()).isEqualTo(1_000);
    }

    // ------------------------------------------------------------------ rate limits

    @Test
    void track_twoThousandCallsForOneUser_recordTwenty_andTheRestAre429WithRetryAfter(@TempDir Path directory)
            throws Exception {
        TestClock clock = TestClock.at(NOW);
        try (HostApp fresh = HostApp.start(directory.resolve("db"), clock, 0, line -> { })) {
            HostClient calls = new HostClient(fresh);
            long usesBefore = lin(calls).get("totalUsage").asLong();
            String body = "{\"userId\":\"user-flood\",\"modelId\":\"story-chat\",\"usageType\":\"chat\",\"prompt\":\"hi\"}";

            List<Answer> answers = flood(() -> calls.track(body));

            // The clock stands still, so no bucket refills: the credential's 200 calls pass its
            // limit, of which the user's 20 are recorded.
            Map<String, Long> outcomes = answers.stream().collect(Collectors.groupingBy(
                    a -> a.status() + (a.status() == 429 ? " " + a.body().get("field").asText() : ""), Collectors.counting()));
            assertThat(outcomes).containsOnly(Map.entry("200", (long) RateLimits.TRACK_PER_USER),
                    Map.entry("429 userId", (long) RateLimits.TRACK_PER_CREDENTIAL - RateLimits.TRACK_PER_USER),
                    Map.entry("429 authorization", (long) FLOOD - RateLimits.TRACK_PER_CREDENTIAL));
            assertThat(answers).filteredOn(a -> a.status() == 429).allSatisfy(a -> {
                assertThat(Long.parseLong(a.header("Retry-After"))).isPositive();
                assertThat(a.header("Cache-Control")).isEqualTo("no-store");
            });
            assertThat(lin(calls).get("totalUsage").asLong()).isEqualTo(usesBefore + RateLimits.TRACK_PER_USER);

            // After the wait the user's 429 named, the user records again.
            long wait = answers.stream().filter(a -> a.status() == 429 && a.body().get("field").asText().equals("userId"))
                    .mapToLong(a -> Long.parseLong(a.header("Retry-After"))).max().orElseThrow();
            assertThat(calls.track(body).status()).isEqualTo(429);
            clock.advance(Duration.ofSeconds(wait));
            assertThat(calls.track(body).status()).isEqualTo(200);
            assertThat(calls.track(body).status()).isEqualTo(429);
        }
    }

    @Test
    void signIn_twoThousandWrongTokensFromOneAddress_tenAreChecked_thenALockoutThatEvenARightTokenWaitsOut(
            @TempDir Path directory) throws Exception {
        TestClock clock = TestClock.at(NOW);
        try (HostApp fresh = HostApp.start(directory.resolve("db"), clock, 0, line -> { })) {
            HostClient calls = new HostClient(fresh);
            int[] guess = {0};
            List<Answer> answers = flood(() -> {
                String token;
                synchronized (guess) {
                    token = "guess-" + guess[0]++;
                }
                return calls.call("GET", "/api/admin/totals", token, null);
            });

            Map<Integer, Long> statuses = answers.stream().collect(Collectors.groupingBy(Answer::status, Collectors.counting()));
            assertThat(statuses).containsOnly(Map.entry(401, (long) RateLimits.SIGN_IN_FAILURES),
                    Map.entry(429, (long) FLOOD - RateLimits.SIGN_IN_FAILURES));
            assertThat(answers).filteredOn(a -> a.status() == 429)
                    .allSatisfy(a -> assertThat(Long.parseLong(a.header("Retry-After"))).isPositive());

            Answer locked = calls.call("GET", "/api/admin/totals", "demo-admin", null);
            assertThat(locked.status()).isEqualTo(429);
            clock.advance(Duration.ofSeconds(Long.parseLong(locked.header("Retry-After"))));
            // One check more per wait: a right token then goes through, and is not counted...
            assertThat(calls.call("GET", "/api/admin/totals", "demo-admin", null).status()).isEqualTo(200);
            assertThat(calls.call("GET", "/api/admin/totals", "demo-admin", null).status()).isEqualTo(200);
            // ...while a wrong one uses it up, and the next waits again.
            assertThat(calls.call("GET", "/api/admin/totals", "guess-again", null).status()).isEqualTo(401);
            assertThat(calls.call("GET", "/api/admin/totals", "demo-admin", null).status()).isEqualTo(429);
        }
    }

    /** Sends {@link #FLOOD} calls from {@link #FLOOD_THREADS} threads and returns every answer. */
    private static List<Answer> flood(Callable<Answer> call) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(FLOOD_THREADS);
        try {
            List<Future<Answer>> futures = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) {
                futures.add(threads.submit(call));
            }
            List<Answer> answers = new ArrayList<>();
            for (Future<Answer> future : futures) {
                answers.add(future.get(60, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            threads.shutdownNow();
        }
    }

    private static JsonNode lin(HostClient calls) throws Exception {
        Answer answer = calls.call("GET", "/api/creator-analytics?period=30", "demo-lin", null);
        assertThat(answer.status()).isEqualTo(200);
        return answer.body();
    }

    // ------------------------------------------------------------------ silent connections

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void silentConnections_moreThanTheWorkers_areCut_andAnotherRequestIsAnsweredWithinTheRequestTimeout()
            throws Exception {
        List<Socket> idle = new ArrayList<>();
        List<Socket> stalled = new ArrayList<>();
        try {
            // Connections that send nothing: the server waits for their first byte without a thread.
            for (int i = 0; i < 10; i++) {
                idle.add(new Socket("127.0.0.1", app.port()));
            }
            // Requests that stop half-way, in the headers or in the body: each holds a thread.
            for (int i = 0; i < HostApp.WORKERS + 8; i++) {
                Socket socket = new Socket("127.0.0.1", app.port());
                String partial = i % 2 == 0 ? "GET /api/admin/totals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz"
                        : "POST /api/admin/payouts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer demo-admin\r\n"
                                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"creatorId\":";
                OutputStream out = socket.getOutputStream();
                out.write(partial.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(socket);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (app.busyWorkers() < HostApp.WORKERS) {
                assertThat(System.nanoTime()).as("every worker taken by a stalled request").isLessThan(deadline);
                Thread.sleep(10);
            }
            // The server measures each request's time from its first byte and cuts, once a second,
            // those past the timeout. Starting this request a second and a half after the stalled
            // ones keeps it out of the cut that frees the workers for it.
            Thread.sleep(1_500);

            long start = System.nanoTime();
            Answer answer = client.call("GET", "/api/admin/totals?period=30", "demo-admin", null);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(took).isLessThan(HostApp.REQUEST_TIMEOUT.plusSeconds(2));

            // And every silent connection was closed by the server.
            for (Socket socket : stalled) {
                assertThat(closedByServer(socket)).isTrue();
            }
            for (Socket socket : idle) {
                assertThat(closedByServer(socket)).isTrue();
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /** Whether the server closes the connection within a few seconds, without answering. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        try {
            InputStream in = socket.getInputStream();
            return in.read() == -1;
        } catch (SocketException reset) {
            return true;
        }
    }

    // ------------------------------------------------------------------ headers and URLs

    @Test
    void everyAnswer_carriesTheSecurityHeaders_andApiAnswersAreNotStored() throws Exception {
        Map<String, Answer> answers = Map.of(
                "page", client.call("GET", "/", null, null),
                "script", client.call("GET", "/app.js", null, null),
                "missing page", client.call("GET", "/nothing.html", null, null),
                "analytics", client.call("GET", "/api/creator-analytics?period=7", "demo-ada", null),
                "unauthorized", client.call("GET", "/api/creator-analytics?period=7", null, null),
                "token in URL", client.call("GET", "/?token=demo-ada", null, null),
                "wrong content type", client.send(client.request("POST", "/api/track-model-usage", "{}")
                        .header("Authorization", "Bearer demo-backend").header("Content-Type", "text/plain")));
        answers.forEach((name, answer) -> {
            assertThat(answer.header("Content-Security-Policy")).as(name).isEqualTo(SecurityHeaders.CONTENT_SECURITY_POLICY)
                    .contains("script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
            assertThat(answer.header("X-Content-Type-Options")).as(name).isEqualTo("nosniff");
            assertThat(answer.header("X-Frame-Options")).as(name).isEqualTo("DENY");
            assertThat(answer.header("Referrer-Policy")).as(name).isEqualTo("no-referrer");
            assertThat(answer.header("Cache-Control")).as(name).isEqualTo(
                    name.equals("page") || name.equals("script") || name.equals("missing page") || name.equals("token in URL")
                            ? "no-cache" : "no-store");
        });
        assertThat(answers.get("wrong content type").status()).isEqualTo(415);
    }

    @Test
    void pages_haveNoInlineScript_soThePolicyNeedsNoExceptions() throws Exception {
        for (String page : List.of("/", "/admin.html")) {
            assertThat(client.text(page)).contains("<script src=\"app.js\"></script>").doesNotContain("<script>")
                    .doesNotContainPattern("\\son[a-z]+=").doesNotContain("style=");
        }
    }

    @Test
    void aTokenInTheUrl_isRefused_onPagesAndApi() throws Exception {
        for (String path : List.of("/?token=demo-ada", "/admin.html?access_token=demo-admin",
                "/api/creator-analytics?period=7&token=demo-ada", "/api/admin/totals?API_KEY=demo-admin")) {
            Answer answer = client.call("GET", path, path.startsWith("/api") ? "demo-admin" : null, null);
            assertThat(answer.status()).as(path).isEqualTo(400);
            assertThat(answer.body().get("message").asText()).contains("Authorization header");
        }
        assertThat(client.text("/app.js")).doesNotContain("location.search", "URLSearchParams", "localStorage");
    }

    // ------------------------------------------------------------------ the access log

    @Test
    void accessLog_hasMethodRouteStatusAndDuration_andNoPersonalData() throws Exception {
        accessLog.clear();
        String user = "planted-user-7f3a9";
        String prompt = "planted prompt about a zebra";
        assertThat(client.track("{\"userId\":\"" + user + "\",\"modelId\":\"story-chat\",\"usageType\":\"chat\","
                + "\"prompt\":\"" + prompt + "\",\"metadata\":{\"note\":\"planted note\"}}").status()).isEqualTo(200);
        client.call("GET", "/api/creator-analytics?period=7&modelId=planted-model", "demo-lin", null);
        client.call("GET", "/api/creator-analytics?period=7&creatorId=" + user, "demo-admin", null);
        client.call("POST", "/api/admin/payouts/987654321/complete", "demo-admin", "{\"reason\":\"planted reason\"}");
        client.call("GET", "/api/admin/totals", "planted-token-zz", null);
        client.call("GET", "/planted-page.html", null, null);
        client.call("GET", "/admin.html?token=planted-url-token", null, null);

        // The app's own webhook receiver may log deliveries meanwhile: they are not counted, but checked too.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (accessLog.stream().filter(line -> !line.contains(WebhookSettings.RECEIVER_PATH)).count() < 7) {
            assertThat(System.nanoTime()).as("seven access log lines, got " + accessLog).isLessThan(deadline);
            Thread.sleep(10);
        }
        List<String> lines = new ArrayList<>(accessLog);
        assertThat(lines).allSatisfy(line -> assertThat(line)
                .matches("(GET|POST|OTHER) /[a-z/{}.*-]* (\\d{3}|-) \\d+ms")
                .doesNotContain("planted", "zebra", "7f3a9", "987654321", "demo-", "Bearer", "?", "="));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("POST /api/track-model-usage 200 "))
                .anySatisfy(line -> assertThat(line).startsWith("POST /api/admin/payouts/{id}/complete "))
                .anySatisfy(line -> assertThat(line).startsWith("GET /api/admin/totals 401 "))
                .anySatisfy(line -> assertThat(line).startsWith("GET /* 404 "))
                .anySatisfy(line -> assertThat(line).startsWith("GET /* 400 "));
    }

    // ------------------------------------------------------------------ comparing tokens

    @Test
    void credentials_matchOnlyTheWholeToken() {
        Credentials credentials = Credentials.demo();
        assertThat(credentials.verify("demo-admin")).map(Credentials.Principal::role).contains(Credentials.Role.ADMIN);
        assertThat(credentials.verify("demo-backend")).map(Credentials.Principal::role).contains(Credentials.Role.SERVICE);
        for (String near : List.of("", "demo-admi", "demo-adminx", "DEMO-ADMIN", " demo-admin", "demo-admin\u0000")) {
            assertThat(credentials.verify(near)).as("'" + near + "'").isEmpty();
        }
    }

    @Test
    void credentials_areComparedInConstantTime_byDigest() {
        JavaClasses host = new ClassFileImporter().importClasses(Credentials.class);
        classes().that().areAssignableTo(Credentials.class)
                .should().callMethod(MessageDigest.class, "isEqual", byte[].class, byte[].class)
                .because("a comparison that stops at the first wrong character tells a guesser how much was right")
                .check(host);
        noClasses().that().areAssignableTo(Credentials.class)
                .should().callMethod(String.class, "equals", Object.class)
                .orShould().callMethod(Arrays.class, "equals", byte[].class, byte[].class)
                .orShould().callMethod(Map.class, "get", Object.class)
                .because("tokens are compared by MessageDigest.isEqual only")
                .check(host);
    }
}
