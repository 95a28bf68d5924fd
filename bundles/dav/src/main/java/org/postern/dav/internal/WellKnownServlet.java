package org.postern.dav.internal;

import java.io.IOException;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;

/**
 * RFC 6764 section 5: {@code /.well-known/caldav} and {@code /.well-known/carddav} point to the
 * context path {@code /dav/}, for every method (Apple clients start with PROPFIND), without a
 * login, so that a client given only the host name finds the service.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.pattern=/.well-known/caldav",
    "osgi.http.whiteboard.servlet.pattern=/.well-known/carddav",
    "osgi.http.whiteboard.servlet.name=postern-dav-well-known"})
public class WellKnownServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
        resp.setHeader("Location", req.getContextPath() + DavPath.PREFIX);
        resp.setContentLength(0);
    }
}
