"""Which passwords a real (non-demo) server refuses, and why, in words the admin reads.

Strength is zxcvbn's estimate (a well-kept port of Dropbox's estimator: dictionaries of
common passwords, names and words, keyboard patterns, repeats, sequences, dates), not a list
of our own. It applies to every password set for an account: office and admin accounts see
the whole committee, and a leader's username is predictable (leader07). Leaders lose nothing
by it: they sign in with a printed card and need no password at all (server/signin_cards).
Passwords already stored keep working; the rule is met when a password is set.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from sync.vocabulary import N_

MIN_LENGTH = 10
# zxcvbn's 3: "safely unguessable" (about 10**8 to 10**10 guesses), far beyond what the
# login throttle lets anyone try from any number of addresses in a year.
MIN_SCORE = 3
# zxcvbn's time grows with the length; beyond this it has seen enough to judge.
JUDGED_LENGTH = 100
# Words anyone would try first against this server: its own names.
OUR_WORDS = ["louzu", "louzu-demo", "louzutong", "楼组通", "楼组", "juweihui", "居委会", "shanghai"]

COMMON = N_("这个密码太常见或太简单，请换一个。")
# zxcvbn's feedback (English, from its feedback.py) → one whole Chinese sentence each.
FEEDBACK_WORDS = {
    "This is a top-10 common password.": COMMON,
    "This is a top-100 common password.": COMMON,
    "This is a very common password.": COMMON,
    "This is similar to a commonly used password.": N_("这个密码和常用密码很像，请换一个。"),
    "Straight rows of keys are easy to guess.": N_("键盘上连成一排的字母或数字（比如 qwerty）很容易被猜到。"),
    "Short keyboard patterns are easy to guess.": N_("键盘上的简单图案很容易被猜到。"),
    'Repeats like "aaa" are easy to guess.': N_("重复的字符（比如 aaa）很容易被猜到。"),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        N_("重复的词（比如 adminadmin）并不比一个词难猜多少。"),
    'Sequences like "abc" or "6543" are easy to guess.': N_("按顺序排列的字符（比如 abc、6543）很容易被猜到。"),
    "Recent years are easy to guess.": N_("最近的年份很容易被猜到。"),
    "Dates are often easy to guess.": N_("日期通常很容易被猜到。"),
    "A word by itself is easy to guess.": N_("单独一个词很容易被猜到，请再加一两个不常用的词。"),
    "Names and surnames by themselves are easy to guess.": N_("姓名很容易被猜到。"),
    "Common names and surnames are easy to guess.": N_("常见的姓名很容易被猜到。"),
    "Add another word or two. Uncommon words are better.": N_("这个密码太容易被猜到：请再加一两个词，不常用的词更好。"),
    "Use a few words, avoid common phrases.": N_("这个密码太容易被猜到：请用几个词组成密码，避开常用说法。"),
    "Avoid repeated words and characters.": N_("这个密码太容易被猜到：请避免重复的词和字符。"),
    "Avoid sequences.": N_("这个密码太容易被猜到：请避免按顺序排列的字符。"),
    "Avoid recent years.": N_("这个密码太容易被猜到：请避免最近的年份。"),
    "Avoid years that are associated with you.": N_("这个密码太容易被猜到：请避免和您有关的年份。"),
    "Avoid dates and years that are associated with you.": N_("这个密码太容易被猜到：请避免和您有关的日期和年份。"),
    "Capitalization doesn't help very much.": N_("这个密码太容易被猜到：只把字母改成大写帮助不大。"),
    "All-uppercase is almost as easy to guess as all-lowercase.": N_("这个密码太容易被猜到：全部大写和全部小写差不多一样好猜。"),
    "Reversed words aren't much harder to guess.": N_("这个密码太容易被猜到：把词倒过来写并不难猜多少。"),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        N_("这个密码太容易被猜到：用 @ 代替 a 这类替换帮助不大。"),
    "Use a longer keyboard pattern with more turns.": N_("这个密码太容易被猜到：键盘图案要更长、拐弯更多。"),
}
TOO_GUESSABLE = N_("这个密码太容易被猜到，请换一个更长、更不常见的。")


def _reason(feedback: dict) -> str:
    for said in [feedback.get("warning") or "", *feedback.get("suggestions", [])]:
        if said in FEEDBACK_WORDS:
            return FEEDBACK_WORDS[said]
    return TOO_GUESSABLE


def weak_password_reason(password: str, username: str = "", display_name: str = "") -> str | None:
    """Why a password may not be set, as a Chinese msgid; None when it is strong enough."""
    if len(password) < MIN_LENGTH:
        return N_("密码至少需要 10 个字符。")
    lowered = password.lower()
    if len(username) >= 3 and username.lower() in lowered:
        return N_("密码不能包含用户名。")
    if len(display_name.strip()) >= 2 and display_name.strip().lower() in lowered:
        return N_("密码不能包含姓名。")
    judged = zxcvbn(password[:JUDGED_LENGTH], user_inputs=[username, display_name, *OUR_WORDS])
    if judged["score"] < MIN_SCORE:
        return _reason(judged["feedback"])
    return None
