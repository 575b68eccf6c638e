"""HTML pages: a government-site template with page chrome, a bare content fragment
(like the Shanghai page) and a CSS-styled borderless template; some pages GBK-encoded."""

from __future__ import annotations

import html
import random

from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("govsite", "fragment", "cssdiv")


def _table(grid: Grid, layout: str) -> str:
    if layout == "fragment":
        open_tag = '<table align="center" border="1" cellspacing="1"><tbody>'
    elif layout == "cssdiv":
        open_tag = '<table class="gk-table" style="border-collapse:collapse"><tbody>'
    else:
        open_tag = '<table border="1" cellpadding="2" cellspacing="0" width="100%"><tbody>'
    out = [open_tag]
    for row in grid.rows:
        out.append("<tr>")
        for c in row:
            attrs = ""
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            text = html.escape(c.text) if c.text else "&nbsp;"
            if layout == "fragment":
                align = ' align="center"' if c.kind != "label" else ""
                out.append(f'<td nowrap="nowrap"{attrs} style="width:{40 + 20 * c.colspan}px;">'
                           f"<p{align}>{text}</p></td>")
            elif layout == "cssdiv":
                out.append(f'<td{attrs} class="td-{c.kind}"><span>{text}</span></td>')
            else:
                out.append(f"<td{attrs}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _body(doc: SynthDoc, layout: str) -> str:
    parts = []
    for kind, text in doc.blocks:
        if kind == "table":
            parts.append(_table(doc.grids[text], layout))
        elif kind == "title":
            parts.append(f"<p style='text-align: center;font-weight: bold;'>{html.escape(text)}</p>")
            if layout == "fragment":
                parts.append(f"<p style='text-align: center'>发布日期：{doc.published}</p>")
        elif kind == "sign":
            parts.append(f"<p style='text-align: right'>{html.escape(text)}</p>")
        elif kind == "mark":
            parts.append(f"<p class='synthetic-mark'>{html.escape(text)}</p>")
        else:
            parts.append(f"<p>{html.escape(text)}</p>")
    return "".join(parts)


def render(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    layout = doc.layout
    encoding = "gbk" if doc.knobs.get("gbk") else "utf-8"
    # A page whose <meta charset> lies (CMS templates copied between sites): the bytes are
    # one encoding, the declaration names the other.
    declared = ({"gbk": "utf-8", "utf-8": "gbk"}[encoding] if doc.knobs.get("lying_charset")
                else encoding)
    body = _body(doc, layout)
    meta = {"index_number": layout == "govsite"}
    if layout == "fragment":
        page = body  # a content fragment as a crawler stores it: no <html> chrome
    else:
        site = doc.organ.region_name + "人民政府"
        info = ""
        if layout == "govsite":
            info = ('<table class="xxgk-info"><tr><td>索引号：</td><td>' + html.escape(doc.index_number or "")
                    + "</td><td>发布机构：</td><td>" + html.escape(doc.organ.name) + "</td></tr>"
                    + "<tr><td>发布日期：</td><td>" + doc.published + "</td><td>文号：</td><td></td></tr></table>")
        else:
            info = f'<div class="article-info">来源：{html.escape(doc.organ.name)}　发布时间：{doc.published}</div>'
        page = (
            f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta http-equiv="Content-Type" '
            f'content="text/html; charset={declared}"><meta name="generator" content="gip-synth">'
            f'<meta name="synthetic" content="true"><title>{html.escape(doc.title)}_{html.escape(site)}</title>'
            '<style>.gk-table td{border:1px solid #999;padding:2px}</style></head><body>'
            f'<div class="header"><div class="logo">{html.escape(site)}</div><ul class="nav"><li>首页</li>'
            "<li>政务公开</li><li>政务服务</li><li>互动交流</li><li>走进" + html.escape(doc.organ.region_name)
            + "</li></ul></div>"
            '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
            "政府信息公开年报</div>" + info
            + f'<div class="article"><h1>{html.escape(doc.title)}</h1><div class="content">{body}</div></div>'
            '<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a> <a href="javascript:window.print()">'
            "打印本页</a> <a>关闭窗口</a></div>"
            f'<div class="footer">主办单位：{html.escape(doc.organ.region_name)}人民政府办公室　'
            "网站标识码：0000000000　ICP备00000000号　【合成数据 SYNTHETIC】</div></body></html>\n"
        )
    return page.encode(encoding, errors="xmlcharrefreplace"), meta
