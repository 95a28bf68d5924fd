package org.postern.dav.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;

/**
 * The time zone data distribution service (RFC 7808) that RFC 7809 asks of a server advertising
 * {@code calendar-no-timezone}: the standard zones of {@link Timezones}, at the well-known URI
 * itself, without a login (it is public data, and asking for a zone says nothing of an account).
 * Actions: {@code capabilities}, {@code list} ({@code /zones}) and {@code get}
 * ({@code /zones/<tzid>}, text/calendar). Nothing else is advertised; {@code changedsince},
 * {@code start} and {@code end} are not offered, so a list is always complete and a zone whole.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.pattern=" + TzdistServlet.PATH,
    "osgi.http.whiteboard.servlet.pattern=" + TzdistServlet.PATH + "/*",
    "osgi.http.whiteboard.servlet.name=postern-tzdist"})
public class TzdistServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String PATH = "/.well-known/timezone";

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            resp.setHeader("Allow", "GET, HEAD");
            problem(resp, 405, "urn:ietf:params:tzdist:error:invalid-action", "GET only");
            return;
        }
        boolean body = req.getMethod().equals("GET");
        String action = req.getPathInfo() == null ? "" : req.getPathInfo();
        if (action.isEmpty() || action.equals("/") || action.equals("/capabilities")) {
            json(resp, capabilities(), body);
        } else if (action.equals("/zones") || action.equals("/zones/")) {
            json(resp, list(), body);
        } else if (action.startsWith("/zones/")) {
            Optional<Timezones.Zone> zone = Timezones.zone(action.substring("/zones/".length()));
            if (zone.isEmpty()) {
                problem(resp, 404, "urn:ietf:params:tzdist:error:tzid-not-found", "No such time zone");
                return;
            }
            byte[] out = zone.get().calendar();
            String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(out)) + "\"";
            if (etag.equals(req.getHeader("If-None-Match"))) {
                resp.setStatus(304);
                resp.setHeader("ETag", etag);
                return;
            }
            resp.setStatus(200);
            resp.setContentType("text/calendar; charset=utf-8");
            resp.setHeader("ETag", etag);
            resp.setContentLength(out.length);
            if (body) {
                resp.getOutputStream().write(out);
            }
        } else {
            problem(resp, 404, "urn:ietf:params:tzdist:error:invalid-action", "No such action");
        }
    }

    private static String capabilities() {
        return "{\"version\":1,\"info\":{\"primary-source\":\"IANA\",\"formats\":[\"text/calendar\"],\"contacts\":[]},"
                + "\"actions\":[{\"name\":\"capabilities\",\"uri-template\":\"/capabilities\",\"parameters\":[]},"
                + "{\"name\":\"list\",\"uri-template\":\"/zones\",\"parameters\":[]},"
                + "{\"name\":\"get\",\"uri-template\":\"/zones{/tzid}\",\"parameters\":[]}]}";
    }

    private static String list() {
        List<Timezones.Zone> zones = Timezones.all();
        StringBuilder b = new StringBuilder("{\"synctoken\":\"").append(zones.size()).append("\",\"timezones\":[");
        for (int i = 0; i < zones.size(); i++) {
            Timezones.Zone z = zones.get(i);
            b.append(i == 0 ? "" : ",").append("{\"tzid\":\"").append(z.tzid()).append("\",\"last-modified\":\"")
                    .append(rfc3339(z.lastModified())).append("\"}");
        }
        return b.append("]}").toString();
    }

    /** 20250121T082933Z as 2025-01-21T08:29:33Z; anything else as the epoch. */
    private static String rfc3339(String basic) {
        if (basic.matches("\\d{8}T\\d{6}Z")) {
            return basic.substring(0, 4) + "-" + basic.substring(4, 6) + "-" + basic.substring(6, 11) + ":"
                    + basic.substring(11, 13) + ":" + basic.substring(13);
        }
        return "1970-01-01T00:00:00Z";
    }

    private static void json(HttpServletResponse resp, String json, boolean body) throws IOException {
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("application/json; charset=utf-8");
        resp.setContentLength(out.length);
        if (body) {
            resp.getOutputStream().write(out);
        }
    }

    /** RFC 7807 problem details with the RFC 7808 error type. */
    private static void problem(HttpServletResponse resp, int status, String type, String title) throws IOException {
        byte[] out = ("{\"type\":\"" + type + "\",\"title\":\"" + title + "\",\"status\":" + status + "}")
                .getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/problem+json; charset=utf-8");
        resp.setContentLength(out.length);
        resp.getOutputStream().write(out);
    }
}
