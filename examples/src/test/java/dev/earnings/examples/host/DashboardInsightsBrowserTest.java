package dev.earnings.examples.host;

import static dev.earnings.examples.browser.DemoPages.assertDashboardShows;
import static dev.earnings.examples.browser.DemoPages.signIn;
import static dev.earnings.examples.browser.DemoPages.usd;
import static dev.earnings.examples.browser.DemoPages.waitForPeriod;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.earnings.examples.browser.HeadlessChromium;
import dev.earnings.testkit.TestClock;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's insight sections in headless Chromium, each against the API's answer for the
 * same zone: the goal with its progress, the forecast with its interval and tier outlook, the
 * alerts, the recommendations, the comparison of the creator's models and the market, withheld
 * for a creator among fewer creators than k. Then the time zone picker, which changes every
 * request and the range shown; the usage type filter; the forecast's length; and a goal set
 * through the form. Screenshots go under {@code target/}.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}, as {@link DashboardBrowserTest}.
 */
class DashboardInsightsBrowserTest {
    static final String ZONE = "Pacific/Auckland";

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void insights_showTheApisFigures_inTheZonePicked(@TempDir Path directory) throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.start(directory);
                HostApp app = HostApp.start(directory.resolve("db"), TestClock.at(TestClock.DEFAULT_START), 0)) {
            String site = "http://127.0.0.1:" + app.port();
            browser.open(site + "/");
            signIn(browser, "demo-ada");
            waitForPeriod(browser, "30");
            // The picker starts on the browser's own zone, offered first.
            String own = browser.script("return Intl.DateTimeFormat().resolvedOptions().timeZone;").asText();
            assertThat(browser.script("return document.getElementById('zone').value;").asText()).isEqualTo(own);
            assertThat(browser.script("return document.querySelector('#zone option').textContent;").asText())
                    .isEqualTo(own + " (this browser)");
            waitForInsights(browser, own, "30", "30");
            assertInsightsShow(browser, site, own, "30", "30");

            // Another zone: every request names it, and the range shown is that zone's.
            browser.select("zone", ZONE);
            waitForInsights(browser, ZONE, "30", "30");
            String zone = URLEncoder.encode(ZONE, StandardCharsets.UTF_8);
            JsonNode d = browser.get(site + "/api/creator-analytics?period=30&zone=" + zone, "demo-ada");
            assertDashboardShows(browser, d);
            assertThat(browser.text("who")).isEqualTo("ada, " + d.get("from").asText() + " to "
                    + LocalDate.parse(d.get("to").asText()).minusDays(1) + " (" + ZONE + ")");
            // Auckland's today is a day ahead of UTC's at the test clock's noon.
            assertThat(d.get("to").asText()).isNotEqualTo(browser.get(site + "/api/creator-analytics?period=30",
                    "demo-ada").get("to").asText());
            List<String> requested = new ArrayList<>();
            browser.script("return performance.getEntriesByType('resource').map(e => e.name);")
                    .forEach(n -> requested.add(n.asText()));
            for (String path : List.of("/api/creator-analytics?", "/api/insights/forecast?", "/api/insights/alerts?",
                    "/api/insights/compare?", "/api/insights/market?")) {
                assertThat(requested).as(path).anySatisfy(url -> assertThat(url).contains(path).contains("zone=" + zone));
            }
            assertInsightsShow(browser, site, ZONE, "30", "30");

            // The forecast's length, and the period.
            browser.select("forecast-days", "7");
            waitForInsights(browser, ZONE, "30", "7");
            assertInsightsShow(browser, site, ZONE, "30", "7");
            browser.select("period", "90");
            waitForPeriod(browser, "90");
            waitForInsights(browser, ZONE, "90", "7");
            assertInsightsShow(browser, site, ZONE, "90", "7");

            browser.script("document.getElementById('goal-section').scrollIntoView(); return true;");
            Path forecast = browser.screenshot(Path.of("target", "dashboard-insights-goal-forecast.png"));
            assertThat(Files.size(forecast)).isGreaterThan(10_000);
            browser.script("document.getElementById('alerts-section').scrollIntoView(); return true;");
            Path compare = browser.screenshot(Path.of("target", "dashboard-insights-alerts-comparison.png"));
            assertThat(Files.size(compare)).isGreaterThan(10_000);
            browser.script("document.getElementById('market-section').scrollIntoView(); return true;");
            Path market = browser.screenshot(Path.of("target", "dashboard-insights-market.png"));
            assertThat(Files.size(market)).isGreaterThan(10_000);

            // The usage type filter: the dashboard's figures are those of chat uses alone.
            JsonNode chat = browser.get(site + "/api/creator-analytics?period=90&usageType=chat&zone=" + zone, "demo-ada");
            assertThat(chat.get("totalUsage").asLong()).isLessThan(d.get("totalUsage").asLong());
            browser.select("usage-type", "chat");
            browser.waitFor("the chat uses' total", "return document.getElementById('total-usage').textContent === '"
                    + String.format("%,d", chat.get("totalUsage").asLong()) + "';");
            assertThat(browser.text("total-earnings")).isEqualTo(usd(chat.get("totalEarnings").asText()));
            assertThat(browser.script("return [...document.querySelectorAll('#activity tr')]"
                    + ".every(tr => tr.children[2].textContent === 'chat');").asBoolean()).isTrue();

            // A goal for this month, in the zone picked, through the form.
            browser.type("goal-input", "45.50");
            browser.submit("goal-form");
            browser.waitForText("goal-message", "goal set: $45.50 for 2026-03 (" + ZONE + ")");
            browser.waitFor("the new target", "return document.getElementById('goal-target').textContent === '$45.50';");
            JsonNode goal = browser.get(site + "/api/insights/goals", "demo-ada").get("goals").get(0);
            assertThat(goal.get("month").asText()).isEqualTo("2026-03");
            assertThat(goal.get("zone").asText()).isEqualTo(ZONE);
            assertThat(goal.get("target").asText()).isEqualTo("45.500000000000");
            assertThat(browser.text("goal-earned")).isEqualTo(usd(goal.get("earned").asText()));
            assertThat(browser.text("goal-remaining")).isEqualTo(usd(goal.get("remaining").asText()));
            assertThat(browser.text("goal-percent")).isEqualTo(percent(goal.get("fraction").asText()));
            // A bad target is the API's refusal, shown beside the form.
            browser.type("goal-input", "-3");
            browser.submit("goal-form");
            browser.waitForText("goal-message", "target must be a decimal in a string");
        }
    }

    static void waitForInsights(HeadlessChromium browser, String zone, String period, String days) throws Exception {
        browser.waitFor("the insights of " + zone + ", " + period + " and " + days + " days",
                "return document.body.dataset.insights === '" + zone + " " + period + " " + days + "';");
    }

    /** Each section as the API answers for the zone, the period and the forecast's days. */
    static void assertInsightsShow(HeadlessChromium browser, String site, String zone, String period, String days)
            throws Exception {
        String z = URLEncoder.encode(zone, StandardCharsets.UTF_8);

        // The forecast: totals with their interval, a row and a point a day, the tier outlooks.
        JsonNode f = browser.get(site + "/api/insights/forecast?days=" + days + "&zone=" + z, "demo-ada");
        // The zone as the answer names it.
        String named = f.get("zone").asText();
        String confidence = new BigDecimal(f.get("confidence").asText()).movePointRight(2).setScale(0, RoundingMode.HALF_UP)
                .toPlainString() + "% interval";
        JsonNode earnings = f.get("earnings");
        assertThat(browser.text("forecast-earnings")).isEqualTo(usd(earnings.get("expected").asText()));
        assertThat(browser.text("forecast-earnings-range")).isEqualTo(usd(earnings.get("low").asText()) + " to "
                + usd(earnings.get("high").asText()) + " (" + confidence + ")");
        JsonNode uses = f.get("uses");
        assertThat(browser.text("forecast-uses")).isEqualTo(uses.get("expected").asText());
        assertThat(browser.text("forecast-uses-range")).isEqualTo(uses.get("low").asText() + " to "
                + uses.get("high").asText() + " (" + confidence + ")");
        assertThat(browser.text("forecast-method")).startsWith(days + " days from " + f.get("days").get(0).get("day").asText()
                + " (" + named + ")");
        assertThat(browser.script("return document.querySelectorAll('#forecast-table tr').length;").asInt())
                .isEqualTo(Integer.parseInt(days));
        assertThat(browser.script("return document.querySelectorAll('#forecast-chart circle').length;").asInt())
                .isEqualTo(Integer.parseInt(days));
        assertThat(browser.script("return document.querySelectorAll('#forecast-chart polygon.band').length;").asInt())
                .isEqualTo(1);
        JsonNode last = f.get("days").get(f.get("days").size() - 1);
        assertThat(browser.script("return document.querySelector('#forecast-table tr:last-child').textContent;").asText())
                .isEqualTo(last.get("day").asText() + last.get("uses").get("expected").asText()
                        + last.get("uses").get("low").asText() + " to " + last.get("uses").get("high").asText()
                        + usd(last.get("earnings").get("expected").asText()) + usd(last.get("earnings").get("low").asText())
                        + " to " + usd(last.get("earnings").get("high").asText()));
        List<String> tiers = texts(browser, "#forecast-tiers li");
        assertThat(tiers).hasSize(f.get("tiers").size());
        for (int i = 0; i < tiers.size(); i++) {
            JsonNode t = f.get("tiers").get(i);
            assertThat(tiers.get(i)).isEqualTo(t.get("modelId").asText() + " is in tier " + t.get("currentTier").asInt() + ", "
                    + t.get("usesToNextTier").asLong() + " counted uses from tier " + t.get("nextTier").asInt() + "; at "
                    + t.get("usesPerDay").asText() + " uses a day (the last 28 days) it gets there by "
                    + t.get("expectedDay").asText() + ".");
        }

        // The goal of this month: the demo's, or the one set through the form.
        JsonNode goals = browser.get(site + "/api/insights/goals", "demo-ada").get("goals");
        assertThat(goals).hasSize(1);
        JsonNode goal = goals.get(0);
        assertThat(browser.text("goal-month")).isEqualTo(goal.get("month").asText());
        assertThat(browser.text("goal-earned")).isEqualTo(usd(goal.get("earned").asText()));
        assertThat(browser.text("goal-target")).isEqualTo(usd(goal.get("target").asText()));
        assertThat(browser.text("goal-remaining")).isEqualTo(usd(goal.get("remaining").asText()));
        assertThat(browser.text("goal-percent")).isEqualTo(percent(goal.get("fraction").asText()));
        assertThat(browser.script("return document.getElementById('goal-progress').value;").asDouble())
                .isEqualTo(Math.min(1, Double.parseDouble(goal.get("fraction").asText())));

        // The alerts of the period, with their explanations; the demo's busy day among them.
        JsonNode alerts = browser.get(site + "/api/insights/alerts?period=" + period + "&zone=" + z, "demo-ada").get("alerts");
        List<String> expected = new ArrayList<>();
        alerts.forEach(a -> expected.add(a.get("day").asText() + ", " + a.get("modelId").asText() + ": "
                + a.get("explanation").asText()));
        assertThat(expected).anySatisfy(a -> assertThat(a).contains("sketch-xl"));
        assertThat(texts(browser, "#alerts li")).isEqualTo(expected);

        // The recommendations, by their reasons.
        List<String> reasons = new ArrayList<>();
        browser.get(site + "/api/insights/recommendations", "demo-ada").get("recommendations")
                .forEach(r -> reasons.add(r.get("reason").asText()));
        assertThat(reasons).hasSize(2);
        assertThat(texts(browser, "#recommendations li")).isEqualTo(reasons);

        // ada's two models side by side; their standings withheld from a creator among two creators.
        JsonNode c = browser.get(site + "/api/insights/compare?models=anime-diffusion,sketch-xl&period=" + period
                + "&zone=" + z, "demo-ada");
        assertThat(browser.text("compare-message")).isEqualTo(c.get("from").asText() + " to "
                + LocalDate.parse(c.get("to").asText()).minusDays(1) + " (" + c.get("zone").asText() + ")");
        JsonNode a = c.get("models").get(0);
        JsonNode b = c.get("models").get(1);
        assertThat(texts(browser, "#comparison-head th")).containsExactly("", "anime-diffusion", "sketch-xl");
        List<String> lines = texts(browser, "#comparison tr");
        assertThat(lines).contains(
                "uses" + String.format("%,d", a.get("uses").asLong()) + String.format("%,d", b.get("uses").asLong()),
                "earnings" + usd(a.get("earnings").asText(), 4) + usd(b.get("earnings").asText(), 4),
                "earnings per use" + usd(a.get("earningsPerUse").asText(), 6) + usd(b.get("earningsPerUse").asText(), 6),
                "share of earnings" + percent(a.get("shareOfEarnings").asText()) + percent(b.get("shareOfEarnings").asText()));
        assertThat(a.get("standings")).isEmpty();
        assertThat(lines).contains("standing" + "withheld: too few creators to rank among".repeat(2));

        // The market: every bucket withheld from a creator, as the API has them (null).
        JsonNode m = browser.get(site + "/api/insights/market?period=" + period + "&zone=" + z, "demo-ada");
        assertThat(m.get("anonymized").asBoolean()).isTrue();
        assertThat(browser.script("return document.querySelectorAll('#market-types tr').length;").asInt())
                .isEqualTo(m.get("byUsageType").size());
        assertThat(texts(browser, "#market-hours tr")).hasSize(24).allSatisfy(t -> assertThat(t).endsWith(":00withheld"));
        assertThat(texts(browser, "#market-weekdays tr")).hasSize(7).first().isEqualTo("Mondaywithheld");
        assertThat(m.get("byHour").get(0).get("figures").isNull()).isTrue();
        assertThat(browser.text("market-growth")).isEqualTo("Growth on the period before: withheld.");
        assertThat(browser.text("market-note")).contains("(" + m.get("zone").asText() + ")", "at least " + m.get("minimumCreators").asInt()
                + " creators");
    }

    static List<String> texts(HeadlessChromium browser, String selector) throws Exception {
        List<String> out = new ArrayList<>();
        browser.script("return [...document.querySelectorAll('" + selector + "')].map(e => e.textContent);")
                .forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A fraction as the page shows it: in percent, rounded half-up to one place. */
    static String percent(String fraction) {
        return new BigDecimal(fraction).movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString() + "%";
    }
}
