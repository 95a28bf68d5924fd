package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.postern.itests.PosternProcess.ClientResult;

/**
 * The webmail's rich mode in Debian's Chromium, driven by Selenium through Debian's chromedriver:
 * log in, read (an HTML message in its sandboxed frame, with nothing run and no remote image
 * fetched), write and send, change the theme. No page may trip the Content-Security-Policy (the
 * browser logs every refusal). Screenshots of each step are kept in
 * {@code itests/target/screenshots/} as build artefacts.
 */
public class WebmailBrowserIT {
    private static PosternProcess postern;
    private static String admin;
    private static String base;
    private static ChromeDriver chrome;
    private static Path shots;

    @BeforeClass
    public static void start() throws Exception {
        postern = PosternProcess.unpack("webmail-browser");
        postern.setConfig("org.postern.auth.cfg", "failures.per.address", "100000");
        postern.start();
        admin = postern.adminPassword(120);
        ClientResult r = postern.client(admin, "postern:domain-add example.net");
        assertEquals(r.toString(), 0, r.exit);
        base = "http://127.0.0.1:" + postern.httpPort;
        HttpClient probe = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            try {
                if (probe.send(HttpRequest.newBuilder(URI.create(base + "/mail/")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    break;
                }
            } catch (java.io.IOException notYet) {
                // pax-web not listening yet
            }
            assertTrue("the webmail never answered\n" + postern.tail(), System.nanoTime() < deadline);
            Thread.sleep(500);
        }
        shots = Paths.get("target", "screenshots").toAbsolutePath();
        Files.createDirectories(shots);
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        // the flags this machine's Chromium needs (closed network, root, no GPU), and a fresh profile
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                "--user-data-dir=" + Files.createTempDirectory(postern.home, "chromium"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        chrome = new ChromeDriver(service, o);
        chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterClass
    public static void stop() throws Exception {
        try {
            if (chrome != null) {
                chrome.quit();
            }
        } finally {
            if (postern != null) {
                postern.close();
            }
        }
    }

    private static void shot(String name) throws Exception {
        Files.write(shots.resolve(name + ".png"), chrome.getScreenshotAs(OutputType.BYTES));
    }

    /** Every browser console line since the last call that is a policy refusal or a script error. */
    private static List<String> complaints() {
        return chrome.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
                .filter(m -> m.contains("Content Security Policy") || m.contains("Uncaught") || m.contains("Refused")).toList();
    }

    private static void swaks(String to, String data) throws Exception {
        String out = postern.swaks("client.example.org", to, data);
        assertTrue(out, out.contains("250 2.0.0"));
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(chrome, Duration.ofSeconds(90));
    }

    private static String background() {
        return (String) chrome.executeScript("return getComputedStyle(document.body).backgroundColor");
    }

    @Test
    public void richModeInChromiumLogsInReadsHtmlSafelySendsAndChangesTheme() throws Exception {
        String address = "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "@example.net";
        ClientResult made = postern.client(admin, "postern:account-add " + address + " --password-file "
                + postern.passwordFile("chromium password 1"));
        assertEquals(made.toString(), 0, made.exit);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        swaks(address, "From: News <news@origin.example>\r\nTo: " + address + "\r\nSubject: html " + marker
                + "\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<h1>Hello " + marker + "</h1>"
                + "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
                + "<img src=\"http://127.0.0.1:9/pixel.gif\" alt=\"pixel\"><p style=\"color:red\">styled</p>\r\n");

        chrome.get(base + "/mail/?notext");
        chrome.findElement(By.id("user")).sendKeys(address);
        chrome.findElement(By.id("password")).sendKeys("chromium password 1");
        shot("01-login");
        chrome.findElement(By.cssSelector("input[type=submit][value='Log in']")).click();
        waiting().until(d -> d.getTitle().startsWith("Inbox"));
        waiting().until(d -> !d.findElements(By.cssSelector("input[name^='open:']")).isEmpty());
        assertEquals("the light theme colours the page", "rgb(251, 251, 250)", background());
        shot("02-inbox");

        chrome.findElement(By.cssSelector("input[name^='open:']")).click();
        waiting().until(d -> d.getTitle().startsWith("html " + marker));
        assertTrue(chrome.getPageSource().contains("Hello " + marker));
        chrome.findElement(By.partialLinkText("Show the HTML version")).click();
        WebElement frame = waiting().until(d -> d.findElement(By.cssSelector("iframe.html")));
        assertTrue(frame.getAttribute("sandbox") != null);
        shot("03-html-message");
        chrome.switchTo().frame(frame);
        assertEquals("Hello " + marker, chrome.findElement(By.tagName("h1")).getText());
        assertTrue("no remote image before the user asks", chrome.findElements(By.tagName("img")).isEmpty());
        assertTrue(chrome.findElements(By.tagName("script")).isEmpty());
        chrome.switchTo().defaultContent();
        assertFalse("nothing of the mail ran", chrome.getTitle().contains("pwned"));

        chrome.findElement(By.linkText("Write")).click();
        waiting().until(d -> d.getTitle().startsWith("Write"));
        chrome.findElement(By.id("to")).sendKeys(address);
        chrome.findElement(By.id("subject")).sendKeys("from chromium " + marker);
        chrome.findElement(By.id("body")).sendKeys("Written in Chromium " + marker);
        shot("04-compose");
        chrome.findElements(By.cssSelector("input[type=submit][value='Send']")).get(0).click();
        waiting().until(d -> d.getPageSource().contains("Your message was sent."));
        shot("05-sent");

        chrome.findElement(By.linkText("Settings")).click();
        waiting().until(d -> d.getTitle().startsWith("Settings"));
        chrome.findElement(By.id("theme-dark")).click();
        chrome.findElement(By.cssSelector("input[type=submit][value='Use this theme']")).click();
        waiting().until(d -> d.getPageSource().contains("Your theme is now Dark."));
        assertEquals("the dark theme colours the page", "rgb(23, 25, 29)", background());
        shot("06-dark-theme");
        chrome.get(base + "/mail/list?f=INBOX");
        waiting().until(d -> d.getPageSource().contains("from chromium " + marker));
        shot("07-inbox-dark");

        List<String> refused = complaints();
        assertTrue("the browser refused or failed something: " + refused, refused.isEmpty());
        assertTrue(Files.size(shots.resolve("07-inbox-dark.png")) > 1000);
    }
}
