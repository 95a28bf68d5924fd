package org.postern.webmail.internal;

import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;

/**
 * The page templates ({@code templates/*.ftlh} in this bundle): FreeMarker's HTML output format
 * escapes every interpolation, so mail a sender wrote can never become markup. A template error is
 * an exception for the caller to answer with a 500, never a half page.
 */
final class Pages {
    private final Configuration freemarker;

    Pages() {
        Configuration c = new Configuration(Configuration.VERSION_2_3_34);
        // the bundle's own class loader: FreeMarker's thread-context guesses do not work in OSGi
        c.setClassLoaderForTemplateLoading(Pages.class.getClassLoader(), "templates");
        c.setDefaultEncoding("UTF-8");
        c.setOutputEncoding("UTF-8");
        c.setRecognizeStandardFileExtensions(true); // .ftlh: HTML auto-escaping
        c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        c.setLogTemplateExceptions(false);
        c.setWrapUncheckedExceptions(true);
        c.setFallbackOnNullLoopVariable(false);
        c.setNumberFormat("computer"); // UIDs and sizes without grouping separators
        c.setAPIBuiltinEnabled(false);
        c.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        this.freemarker = c;
    }

    String render(String name, Map<String, Object> model) throws IOException {
        Template t = freemarker.getTemplate(name + ".ftlh");
        StringWriter out = new StringWriter(8192);
        try {
            t.process(model, out);
        } catch (TemplateException e) {
            throw new IOException("template " + name + ": " + e.getMessageWithoutStackTop(), e);
        }
        return out.toString();
    }
}
