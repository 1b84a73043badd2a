package dev.procmgr.core;

import dev.procmgr.api.InvalidTagException;

/** Checks tags: 1-128 characters of {@code [A-Za-z0-9._:@-]}. */
final class Tags {

    private Tags() {
    }

    static String validate(String tag) {
        if (tag == null) {
            throw new InvalidTagException("tag is null");
        }
        if (tag.isEmpty()) {
            throw new InvalidTagException("tag is empty");
        }
        if (tag.length() > InvalidTagException.MAX_LENGTH) {
            throw new InvalidTagException("tag is " + tag.length() + " characters long, at most "
                    + InvalidTagException.MAX_LENGTH + " are allowed: '" + tag.substring(0, 32) + "...'");
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (!isTagChar(c)) {
                throw new InvalidTagException("tag '" + printable(tag) + "' has an invalid character "
                        + describe(c) + " at position " + (i + 1) + "; allowed are A-Z a-z 0-9 . _ : @ -");
            }
        }
        return tag;
    }

    private static boolean isTagChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    }

    private static String describe(char c) {
        if (c == ' ') {
            return "(space)";
        }
        if (Character.isISOControl(c) || Character.isWhitespace(c)) {
            return String.format("(control character U+%04X)", (int) c);
        }
        return "'" + c + "'";
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
