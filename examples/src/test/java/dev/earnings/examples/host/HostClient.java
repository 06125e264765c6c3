package dev.earnings.examples.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls an app the way its clients do: JSON bodies as {@code application/json}, tokens in the header. */
final class HostClient {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A response: status, parsed JSON body (null when there is none) and headers. */
    record Answer(int status, JsonNode body, HttpHeaders headers) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();
    private final HostApp app;

    HostClient(HostApp app) {
        this.app = app;
    }

    HttpRequest.Builder request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    Answer call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = request(method, path, body);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    /** Records a use as the host's backend does, with its service credential. */
    Answer track(String body) throws Exception {
        return call("POST", "/api/track-model-usage", "demo-backend", body);
    }

    /** A page or script as text. */
    String text(String path) throws Exception {
        HttpResponse<String> response = http.send(request("GET", path, null).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode());
        }
        return response.body();
    }

    Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        boolean isJson = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
        return new Answer(response.statusCode(), isJson && !response.body().isEmpty() ? json.readTree(response.body()) : null,
                response.headers());
    }
}
