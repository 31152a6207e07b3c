"""Legal grounds for stopping an approval item's clock (暂停计时的法定事由), one row per ground with the provision
it rests on, in Chinese and English.

《中华人民共和国行政许可法》第四十五条: 行政机关作出行政许可决定，依法需要听证、招标、拍卖、检验、检测、检疫、
鉴定和专家评审的，所需时间不计算在本节规定的期限内 (and the office tells the applicant in writing how long).
第三十二条 makes the applicant supplement incomplete materials (补正); the time the applicant takes is the
applicant's, not the department's. Public notice (公示) is not listed in 第四十五条: a notice period counts as
excluded only where the law or regulation that requires the notice says so (第四十二条: 法律、法规另有规定的，
依照其规定), so its row cites that.

Rows recorded before the grounds were itemised carry ``special_procedure`` (特殊程序), which cannot be told
apart afterwards: it stays a valid, legacy ground — shown, counted, never chosen for a new suspension.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.messages import Text, phrases

_LAW = Text("《行政许可法》", "Administrative Licensing Law")


@dataclass(frozen=True)
class SuspensionGround:
    """One legal ground (法定事由) for a suspension: its stored key, its name and the provision cited."""

    key: str
    name: Text
    article: Text
    selectable: bool = True
    """False for the legacy ground: old rows keep it, new suspensions name an itemised ground."""

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "zh": self.name.zh, "en": self.name.en, "article_zh": self.article.zh,
                "article_en": self.article.en, "selectable": self.selectable}


def _article_45(what_zh: str, what_en: str) -> Text:
    return Text(f"{_LAW.zh}第四十五条（{what_zh}）", f"{_LAW.en}, art. 45 ({what_en})")


SUSPENSION_GROUNDS: tuple[SuspensionGround, ...] = (
    SuspensionGround("hearing", Text("听证", "hearing"), _article_45("听证", "hearing")),
    SuspensionGround("expert_review", Text("专家评审", "expert review"), _article_45("专家评审", "expert review")),
    SuspensionGround("testing", Text("检验", "testing"), _article_45("检验", "testing")),
    SuspensionGround("inspection", Text("检测、检疫", "inspection or quarantine"),
                     _article_45("检测、检疫", "inspection, quarantine")),
    SuspensionGround("appraisal", Text("鉴定", "appraisal"), _article_45("鉴定", "appraisal")),
    SuspensionGround("public_notice", Text("公示", "public notice"),
                     Text(f"{_LAW.zh}第四十二条：设定公示的法律、法规规定公示期不计入审批时限的",
                          f"{_LAW.en}, art. 42: where the law or regulation requiring the notice excludes its "
                          "period from the limit")),
    SuspensionGround("tender_auction", Text("招标、拍卖", "tender or auction"),
                     _article_45("招标、拍卖", "tender, auction")),
    SuspensionGround("supplement", Text("申请人补正材料", "the applicant supplements its materials"),
                     Text(f"{_LAW.zh}第三十二条（补正）", f"{_LAW.en}, art. 32 (supplementing materials, 补正)")),
    SuspensionGround("special_procedure", Text("特殊程序（旧记录，未细分事由）",
                                               "special procedure (older record, ground not itemised)"),
                     _article_45("听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审",
                                 "hearing, tender, auction, testing, inspection, quarantine, appraisal, expert "
                                 "review"), selectable=False),
)
"""Every ground, in the order a department chooses from them."""

GROUNDS: dict[str, SuspensionGround] = {g.key: g for g in SUSPENSION_GROUNDS}
SELECTABLE_GROUNDS: tuple[str, ...] = tuple(g.key for g in SUSPENSION_GROUNDS if g.selectable)

phrases(
    "suspension",
    no_ground=Text("请选择暂停计时的法定事由：{grounds}", "name the legal ground for stopping the clock: {grounds}"),
    unknown_ground=Text("“{ground}”不是暂停计时的法定事由；可选：{grounds}",
                        "{ground!r} is not a legal ground for stopping the clock; choose one of {grounds}"),
    legacy_ground=Text("“特殊程序”仅用于未细分事由的旧记录；请选择具体的法定事由：{grounds}",
                       "special_procedure only marks older records without an itemised ground; choose the legal "
                       "ground itself: {grounds}"),
    overlaps=Text("与审批事项{id}已有的暂停计时（{span}，{ground}）重叠；同一事项的暂停计时不能重叠",
                  "overlaps the suspension of item {id} already recorded ({span}, {ground}); the suspensions of "
                  "one item cannot overlap"),
    span=Text("{start}至{end}", "{start} to {end}"),
    lasting=Text("自{start}起，尚未恢复计时", "since {start}, not resumed"),
    decided_while_stopped=Text("{day}该事项仍在暂停计时（至{until}恢复）；办结日期不能早于恢复计时之日",
                               "on {day} the item's clock was stopped (until {until}); it is decided on or after "
                               "the day its clock resumed"),
)
