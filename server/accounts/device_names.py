"""A device as people name it ("华为 NOH-AN00 · 华为浏览器"), read from the User-Agent its session opened with.

Parsing is ua-parser's (the uap-core rules, shipped as ua-parser-builtins and refreshed
monthly upstream), not regular expressions of our own; what is ours is only the words: brands
and browsers as Chinese staff say them, and the apps whose built-in browser the rules take for
a plain WebView. Model codes stay codes (uap-core has no marketing names: NOH-AN00, not
"Mate 40 Pro"), and Chrome on Android since 2023 sends no model at all ("K"): then the
system is named instead.
"""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

from server.core.words import Part, data, word
from sync.vocabulary import N_

UNKNOWN_DEVICE = N_("（未知设备）")
BRAND_WORDS = {
    "Huawei": N_("华为"), "Honor": N_("荣耀"), "Xiaomi": N_("小米"), "XiaoMi": N_("小米"), "Redmi": N_("红米"),
    "Oppo": "OPPO", "OPPO": "OPPO", "Vivo": "vivo", "vivo": "vivo", "OnePlus": N_("一加"), "Meizu": N_("魅族"),
    "Samsung": N_("三星"), "ZTE": N_("中兴"), "Lenovo": N_("联想"), "Nubia": N_("努比亚"), "Realme": "realme",
}
BROWSER_WORDS = {
    "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome", "Chrome Mobile WebView": N_("应用内浏览器"),
    "Mobile Safari": "Safari", "Mobile Safari UI/WKWebView": N_("应用内浏览器"), "Firefox Mobile": "Firefox",
    "Huawei Browser": N_("华为浏览器"), "MiuiBrowser": N_("小米浏览器"), "HeyTap Browser": N_("OPPO 浏览器"),
    "VivoBrowser": N_("vivo 浏览器"), "QQ Browser": N_("QQ 浏览器"), "QQ Browser Mobile": N_("QQ 浏览器"),
    "UC Browser": N_("UC 浏览器"), "Baidu Box App": N_("百度 App"), "Quark": N_("夸克浏览器"),
    "Sogou Explorer": N_("搜狗浏览器"), "WeChat Browser": N_("微信"), "Edge Mobile": "Edge",
}
# Apps whose own browser the rules may read as a WebView: the app is what people know.
APP_MARKS = (("wxwork", N_("企业微信")), ("MicroMessenger", N_("微信")), ("DingTalk", N_("钉钉")))
# What a model field holds when the phone did not say (Chrome's reduced User-Agent sends "K").
NO_MODEL = {"", "K", "Smartphone", "Tablet", "Browser", "Feature Phone", "Other", "Spider"}


def _version(family: str, major: str | None) -> str:
    return f"{family} {major}" if major else family


@lru_cache(maxsize=1024)
def device_words(user_agent: str) -> tuple[Part, ...]:
    """The device's name as parts: our words (brands, browsers) to translate, and what the
    User-Agent said (model, system) as data: it comes from the device, never trusted as text."""
    if not user_agent.strip():
        return (word(UNKNOWN_DEVICE),)
    found = parse(user_agent)
    agent, system, device = found.user_agent, found.os, found.device
    name: list[Part] = []
    model = device.model if device and device.model not in NO_MODEL else ""
    brand = device.brand if device else None
    if brand == "Apple":
        name.append(data(device.model or "iPhone"))
    elif brand in BRAND_WORDS:
        name += [word(BRAND_WORDS[brand]), data(model or _version(system.family, system.major))]
    elif system:
        name += [data(_version(system.family, system.major))] + ([data(model)] if model else [])
    app = next((said for mark, said in APP_MARKS if mark in user_agent), None)
    if app:
        browser = word(app)
    elif agent:
        browser = word(BROWSER_WORDS[agent.family]) if agent.family in BROWSER_WORDS else data(agent.family)
    else:
        browser = None
    if browser:
        name += [data("·"), browser] if name else [browser]
    return tuple(part for part in name if part.text) or (word(UNKNOWN_DEVICE),)
