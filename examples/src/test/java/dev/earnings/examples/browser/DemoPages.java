package dev.earnings.examples.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * What the browser tests know of the example hosts' pages, {@code index.html} (the creator
 * dashboard) and {@code admin.html}, which both the example host and the Spring Boot example
 * serve: how to sign in on them, how they say they have loaded, and what the dashboard must show
 * for an answer of {@code GET /api/creator-analytics} on the demo data.
 */
public final class DemoPages {
    private DemoPages() {
    }

    /**
     * Waits for the page's sign-in form, then types the token into it and submits it, as a person
     * does; the page reloads and starts with the token, which never goes into the URL.
     *
     * @param browser the browser, on one of the pages
     * @param token the demo token
     * @throws Exception if the form does not show in time
     */
    public static void signIn(HeadlessChromium browser, String token) throws Exception {
        browser.waitFor("the sign-in form", "return document.body.dataset.signIn === 'shown';");
        browser.type("token", token);
        browser.submit("sign-in");
    }

    /**
     * Waits until the dashboard has loaded a period.
     *
     * @param browser the browser, on the dashboard
     * @param period the period's days, as the select's value
     * @throws Exception if it does not load in time
     */
    public static void waitForPeriod(HeadlessChromium browser, String period) throws Exception {
        browser.waitFor("period " + period + " loaded", "return document.body.dataset.loadedPeriod === '" + period + "';");
    }

    /**
     * Waits until the page's status line says exactly this.
     *
     * @param browser the browser
     * @param status the status line
     * @throws Exception if it does not say so in time
     */
    public static void waitForStatus(HeadlessChromium browser, String status) throws Exception {
        browser.waitFor("the status '" + status + "'", "return document.getElementById('status').textContent === '"
                + status + "';");
    }

    /**
     * Signs out of the page the browser is on, as a person does with its button, and signs in to
     * the admin page as {@code demo-admin}; returns once the page has loaded its default period.
     *
     * @param browser the browser, on either page, signed in
     * @param site the host's address, without a trailing slash
     * @throws Exception if the admin page does not load in time
     */
    public static void signInToAdminPage(HeadlessChromium browser, String site) throws Exception {
        browser.click("sign-out");
        browser.open(site + "/admin.html");
        signIn(browser, "demo-admin");
        waitForStatus(browser, "period 30 loaded");
    }

    /**
     * Checks that the admin page's cards show the platform's totals as the API answers them.
     *
     * @param browser the browser, on the admin page, with the period loaded
     * @param totals the answer of {@code GET /api/admin/totals} for that period
     * @throws Exception if the browser does not answer in time
     */
    public static void assertAdminTotalsShow(HeadlessChromium browser, JsonNode totals) throws Exception {
        assertThat(browser.text("admin-earnings")).isEqualTo(usd(totals.get("earnings").asText()));
        assertThat(browser.text("admin-reversed")).isEqualTo(usd(totals.get("reversed").asText()));
        assertThat(browser.text("admin-uses")).isEqualTo(String.format("%,d", totals.get("uses").asLong()));
        assertThat(browser.text("admin-creators")).isEqualTo(totals.get("creatorsWithUsage").asText());
        assertThat(browser.text("admin-models")).isEqualTo(totals.get("modelsWithUsage").asText());
    }

    /**
     * Checks that the dashboard shows the figures of the API's answer for the same period: the
     * earnings, earned, reversed and net; usage and models; the balance with what is held (which
     * the demo data's hold makes more than nothing) and owed; and the demo's refunded use, the
     * creator's latest, marked in the recent activity, and only it.
     *
     * @param browser the browser, on the dashboard, with the period loaded
     * @param api the answer of {@code GET /api/creator-analytics} for that period, for the same creator
     * @throws Exception if the browser does not answer in time
     */
    public static void assertDashboardShows(HeadlessChromium browser, JsonNode api) throws Exception {
        assertThat(browser.text("total-earnings")).isEqualTo(usd(api.get("totalEarnings").asText()));
        assertThat(browser.text("total-usage")).isEqualTo(String.format("%,d", api.get("totalUsage").asLong()));
        assertThat(browser.text("active-models")).isEqualTo(api.get("activeModels").asText());
        assertThat(browser.text("average-per-model")).isEqualTo(usd(api.get("averagePerModel").asText()));
        assertThat(browser.script("return document.querySelectorAll('#models tr').length;").asInt())
                .isEqualTo(api.get("models").size());
        assertThat(browser.script("return document.querySelectorAll('#trend rect').length;").asInt())
                .isEqualTo(api.get("trend").size());

        // Earned, reversed and net; the balance with what is held and owed.
        JsonNode balance = api.get("balance");
        assertThat(browser.text("gross-earnings")).isEqualTo(usd(api.get("grossEarnings").asText()));
        assertThat(browser.text("total-reversed")).isEqualTo(usd(api.get("totalReversed").asText()));
        assertThat(browser.text("lifetime-reversed")).isEqualTo(usd(api.get("lifetimeReversed").asText()));
        assertThat(browser.text("held")).isEqualTo(usd(balance.get("held").asText())).isNotEqualTo("$0.00");
        assertThat(browser.text("available")).isEqualTo(usd(balance.get("available").asText()));
        assertThat(browser.text("owed")).isEqualTo(usd(balance.get("owed").asText()));

        // The demo's refunded use, the creator's latest, is marked in the recent activity, and only it.
        List<JsonNode> reversed = new ArrayList<>();
        api.get("recentActivity").forEach(a -> {
            if (a.get("isReversed").asBoolean()) {
                reversed.add(a);
            }
        });
        assertThat(reversed).hasSize(1);
        assertThat(browser.script("return document.querySelectorAll('#activity tr.reversed').length;").asInt()).isEqualTo(1);
        assertThat(browser.script("return document.querySelector('#activity tr').className;").asText()).isEqualTo("reversed");
        assertThat(browser.script("return document.querySelector('#activity tr.reversed').textContent;").asText())
                .contains("reversed " + usd(reversed.get(0).get("reversed").asText(), 6));
    }

    /**
     * What the pages show for an amount: dollars, rounded half-up to cents.
     *
     * @param amount the decimal string of the API's answer
     * @return the text shown
     */
    public static String usd(String amount) {
        return usd(amount, 2);
    }

    /**
     * What the pages show for an amount at so many places, rounded half-up.
     *
     * @param amount the decimal string of the API's answer
     * @param places the places after the point
     * @return the text shown
     */
    public static String usd(String amount, int places) {
        BigDecimal rounded = new BigDecimal(amount).setScale(places, RoundingMode.HALF_UP);
        return (rounded.signum() < 0 ? "-$" : "$") + rounded.abs().toPlainString();
    }
}
