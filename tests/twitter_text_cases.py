"""Texts and the weight X gives them, by twitter-text's rules (configuration v3).

``CONFORMANCE`` restates twitter-text's own conformance suite
(``conformance/validate.yml``: ``WeightedTweetsWithDiscountedEmojiCounterTest`` and
``UnicodeDirectionalMarkerCounterTest``, Apache License 2.0), long texts built rather than
spelt out. ``MORE`` adds cases worked out from the same rules, one per way the count can
go wrong: directional marks around URLs, domains whose labels are too long or not valid
punycode, top-level domains that do not exist, emoji sequences next to what is not part
of them. Both the app's count and the emulator's are held to these.
"""

from __future__ import annotations

import pytest

_VERSES = (
    "故人西辞黄鹤楼",
    "烟花三月下扬州",
    "孤帆远影碧空尽",
    "唯见长江天际流",
    "朱雀桥边野草花",
    "乌衣巷口夕阳斜",
    "旧时王谢堂前燕",
    "飞入寻常百姓家",
    "朝辞白帝彩云间",
    "千里江陵一日还",
    "两岸猿声啼不住",
    "轻舟已过万重山",
    "泪湿罗巾梦不成",
    "夜深前殿按歌声",
    "红颜未老恩先断",
    "斜倚薰笼坐到明",
    "独在异乡为异客",
    "每逢佳节倍思亲",
    "遥知兄弟登高处",
    "遍插茱萸少一人",
)
# 160 characters: the verses, each followed by a full-width comma or full stop.
_POEM = "".join(v + ("\uff0c" if i % 2 == 0 else "\u3002") for i, v in enumerate(_VERSES))
_KANA = "あいうえおかきくけこ"
_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
_DASHES = "xxxxxxxxxx-" * 24
_LONG_LABEL_URL = "https://" + "somesuperlongurl" * 249 + ".com/foo"
_PUNCTUATION = (
    "This is a tweet with general punctuation characters: "
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b "
    "\u2010 \u2011 \u2012 \u2013 \u2014 \u2015 \u2016  \u2017 \u2018 \u2019 \u201a \u201b "
    "\u201c \u201d \u201e \u201f \u2032 \u2033 \u2034 \u2035 \u2036 \u2037"
)

CONFORMANCE = [
    pytest.param("Hi http://test.co", 26, id="regular post with a URL"),
    pytest.param("http://test.co", 23, id="just a URL"),
    pytest.param("285 chars-" + _DASHES + "xxxxxxxxxx-", 285, id="285 Latin characters"),
    pytest.param("285 chars- http://www.twitter.com/jack " + _DASHES, 299, id="URL in the middle"),
    pytest.param(_DASHES + " http://www.twitter.com/jack ", 289, id="URL at the end"),
    pytest.param("https://www.twitter.com/aloha " * 10, 240, id="ten URLs"),
    pytest.param(_POEM, 320, id="160 CJK characters"),
    pytest.param("\U0001f637" * 160, 320, id="160 emoji"),
    pytest.param("the" + _POEM, 323, id="Latin and CJK"),
    pytest.param("A\u0301B", 2, id="A and a combining acute normalise to one character"),
    pytest.param("A\u05e9\u05bc\u05c1", 4, id="shin with dagesh and shin dot stays three"),
    pytest.param("282 chars-" + _DASHES + "xxxxxA\u0301x", 281, id="a normalised character at 280"),
    pytest.param("H\U0001f431\u263a" + _FAMILY, 7, id="Latin, emoji and a family"),
    pytest.param("\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9", 10, id="five emoji"),
    pytest.param(
        "\U0001f64b\U0001f3fd\U0001f468\u200d\U0001f3a4", 4, id="skin tone and ZWJ sequence"
    ),
    pytest.param(_PUNCTUATION, 110, id="general punctuation weighs 1"),
    pytest.param(
        "Long url with invalid domain labels and a short url: "
        + " ".join([_LONG_LABEL_URL] * 3)
        + " https://validurl.com",
        12079,
        id="URLs with labels over 63 characters count every character",
    ),
    pytest.param("randomurl" * 7 + "s.com", 68, id="a 64-character label is no domain"),
    pytest.param(
        _KANA * 12 + " http://" + _KANA * 5 + "あいう.com",
        358,
        id="a host over 63 characters in punycode is no URL",
    ),
    pytest.param(
        _KANA * 12 + " http://" + _KANA * 5 + "あい.com",
        264,
        id="a host of 63 characters in punycode is a URL",
    ),
    pytest.param(_FAMILY * 140, 280, id="140 families"),
    pytest.param("1\u20e3", 2, id="keycap"),
    pytest.param(
        "Unicode 10.0 emoji: \U0001f92a; \U0001f9d5; \U0001f9d5\U0001f3fe; "
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        34,
        id="Unicode 10 emoji and the flag of England",
    ),
    pytest.param(
        "Unicode 9.0 emoji: \U0001f920; \U0001f483; \U0001f483\U0001f3fe", 29, id="Unicode 9"
    ),
    pytest.param("ABC\u202a\uffffABC\ufffe", 12, id="an embedding mark and non-characters"),
    pytest.param(
        "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069",
        31,
        id="directional marks around a URL are not part of it",
    ),
]

MORE = [
    pytest.param("\u200eHello\u200f", 9, id="left-to-right and right-to-left marks weigh 2"),
    pytest.param("\u202ahttps://riverton.ca\u202c", 27, id="embedding marks around a URL"),
    pytest.param("\u2066riverton.ca/roads\u2069", 27, id="isolates around a bare domain"),
    pytest.param("see https://riverton.ca/roads\u200f.", 30, id="a mark ends the path"),
    pytest.param(
        "\u202b\u0645\u0631\u062d\u0628\u0627 https://riverton.ca/x\u202c",
        33,
        id="Arabic in an embedding",
    ),
    pytest.param("https://" + "a" * 64 + ".com/x", 78, id="a label of 64 after https"),
    pytest.param("a" * 63 + ".com", 23, id="a label of 63 is a domain"),
    pytest.param("https://xn--zz.com/roads", 24, id="punycode that does not decode"),
    pytest.param("xn--zz.com", 10, id="bare domain with bad punycode"),
    pytest.param("https://xn--abc-.ca", 19, id="punycode of ASCII only"),
    pytest.param("https://xn--ls8h.la", 23, id="punycode of an emoji"),
    pytest.param("https://xn--bcher-kva.de/", 23, id="valid punycode"),
    pytest.param("https://bücher.de/", 23, id="an accented domain"),
    pytest.param("https://xn--はじめよう.com/", 27, id="an ACE prefix before non-ASCII"),
    pytest.param("https://riverton.example/" + "a" * 50, 75, id="no such top-level domain"),
    pytest.param("foo.bar.baz", 27, id="the domain stops at its last real TLD"),
    pytest.param("http://127.0.0.1/x", 18, id="an IP address is no URL"),
    pytest.param("riverton.ca/parks_(map)", 23, id="balanced parentheses in a path"),
    pytest.param("go to t.co/abc!", 30, id="a bare t.co link"),
    pytest.param("a\ufe0f", 3, id="a presentation selector after a letter"),
    pytest.param("\u263a\ufe0e", 4, id="a text presentation selector"),
    pytest.param("\U0001f44d\u0301", 3, id="an accent after an emoji"),
    pytest.param("\u2764\U0001f3fd", 4, id="a skin tone on what takes none"),
    pytest.param("\U0001f468\u200da", 4, id="a joiner to a letter"),
    pytest.param("\U0001f64b\U0001f3fd\u200d\u2640\ufe0f", 2, id="a person, tone and sign"),
    pytest.param("\U0001f3f3\ufe0f\u200d\U0001f308", 2, id="rainbow flag"),
    pytest.param("\U0001f1e8\U0001f1e6", 2, id="flag of Canada"),
    pytest.param("\u00a9 \u00a9\ufe0f", 4, id="copyright as text and as emoji"),
    pytest.param("#\ufe0f\u20e3", 2, id="keycap with its selector"),
    pytest.param("한국어", 6, id="Hangul syllables"),
    pytest.param("\u1100\u1161\u11a8", 2, id="Hangul jamo compose to one syllable"),
]
