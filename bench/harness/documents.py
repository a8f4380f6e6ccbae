# SPDX-License-Identifier: MIT
# documents.py: the documents whose claims the suite checks, cited by author, title, year and place (never a file path).
from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    author: str
    title: str
    place: str
    date: str = ""
    url: str = ""

    def short(self):
        """For a quote: author, title, year."""
        year = self.date.split()[-1] if self.date else ""
        return f"{self.author}, “{self.title}”" + (f", {year}" if year else "")

    def full(self):
        parts = [self.author, f"“{self.title}”", self.place] + ([self.date] if self.date else [])
        return ", ".join(parts) + (f", <{self.url}>" if self.url else "")


# A claim module's SOURCE is one of these keys.
DOCUMENTS = {
    "oliver-2023": Document(
        "Oliver S.", "Introduction to asyncio: managing I/O bound concurrency with Python",
        "Medium (reposted by Techno Blender)", "March 2023"),
    "scaler": Document(
        "Scaler Topics", "Async IO Python", "a Python tutorial for beginners", "",
        "https://www.scaler.com/topics/python/async-io-python/"),
    "vexs-2021": Document(
        "Vexs", "Why asyncio?", "Jupyter notebook (GitHub gist)", "March 2021",
        "https://gist.github.com/Vexs/057482dc890bcbfd87317239890f3274"),
    "fowler-2022": Document(
        "Matthew Fowler", "Python Concurrency with asyncio", "Manning (book)", "2022",
        "https://www.manning.com/books/python-concurrency-with-asyncio"),
    "masnun-2016": Document(
        "Abu Ashraf Masnun", "Async Python: The Different Forms of Concurrency",
        "blog article, read in a translation", "2016",
        "http://masnun.rocks/2016/10/06/async-python-the-different-forms-of-concurrency/"),
}


def anchor(key):
    return "doc-" + key
