"""Validation messages in the caller's language: what is wrong with which field, and what to give instead.

FastAPI (pydantic) and the input boundary (``api/boundary.py``) report a refused value as an error ``type``,
its location (``body.organisation``, ``query.limit``) and the limits involved (``ctx``). Each type has a
phrase here, and each request field a name in both languages (FIELD_NAMES), so that a Chinese caller reads
"企业或机构名称：不能为空" rather than the English of the validation library. A boundary refusal brings its own
:class:`Message` in ``ctx["message"]``.
"""

from __future__ import annotations

import re
from typing import Any

from gis.messages import CATALOGUE, Message, Text, phrases, placeholders

FIELD_NAMES: dict[str, Text] = {
    "against": Text("比较的版本", "against"),
    "bbox-crs": Text("范围的坐标系", "the bbox's CRS"),
    "datetime": Text("日期时间", "datetime"),
    "f": Text("响应格式", "response format"),
    "filter": Text("筛选条件", "filter"),
    "filter-crs": Text("筛选条件的坐标系", "the filter's CRS"),
    "filter-lang": Text("筛选条件的语言", "the filter's language"),
    "impact_id": Text("影响分析编号", "impact id"),
    "layers": Text("图层列表", "layers"),
    "q": Text("搜索内容", "search text"),
    "resumed_on": Text("恢复计时日期", "resumed on"),
    "ground": Text("法定事由", "legal ground"),
    "suspended_on": Text("暂停计时日期", "suspended on"),
    "tile_col": Text("瓦片列号", "tile column"),
    "tile_matrix": Text("瓦片矩阵（缩放级别）", "tile matrix (zoom)"),
    "tile_matrix_set_id": Text("瓦片矩阵集", "tile matrix set"),
    "tile_row": Text("瓦片行号", "tile row"),
    "accept-encoding": Text("Accept-Encoding 请求头", "the Accept-Encoding header"),
    "accepted_on": Text("受理日期", "accepted on"),
    "acquisition_status": Text("征地状态", "acquisition status"),
    "action": Text("操作", "action"),
    "actual_completion": Text("实际竣工日期", "actual completion"),
    "actual_start": Text("实际开工日期", "actual start"),
    "annual_actual_wan": Text("年度完成投资（万元）", "annual investment made (万元)"),
    "annual_planned_wan": Text("年度计划投资（万元）", "annual planned investment (万元)"),
    "applicant_organisation": Text("项目单位", "investing entity"),
    "area_max": Text("最大面积", "largest area"),
    "area_min": Text("最小面积", "smallest area"),
    "area_m2": Text("面积（平方米）", "area (m²)"),
    "area_unit": Text("面积单位", "area unit"),
    "as_of": Text("截止日期", "as of"),
    "availability": Text("供应状态", "availability"),
    "bbox": Text("范围", "bbox"),
    "code": Text("代码", "code"),
    "collection_id": Text("数据集", "collection"),
    "condition": Text("建设条件", "building condition"),
    "conditions": Text("条件", "conditions"),
    "contact_name": Text("联系人", "contact name"),
    "credit_code": Text("统一社会信用代码", "unified social credit code"),
    "crs": Text("坐标系", "CRS"),
    "cumulative_wan": Text("累计完成投资（万元）", "cumulative investment (万元)"),
    "date": Text("日期", "date"),
    "decided_on": Text("办结日期", "decided on"),
    "demolition_status": Text("拆迁状态", "demolition status"),
    "department": Text("部门", "department"),
    "district": Text("所在区", "district"),
    "district_code": Text("所在区", "district"),
    "districts": Text("区", "districts"),
    "document_id": Text("文件编号", "document id"),
    "document_number": Text("文号", "document number"),
    "draw_id": Text("抽查批次", "draw"),
    "email": Text("电子邮箱", "email"),
    "entity_name": Text("主体名称", "entity name"),
    "entity_credit_code": Text("投资主体统一社会信用代码", "investing entity's unified social credit code"),
    "feature_id": Text("要素编号", "feature id"),
    "file": Text("文件", "file"),
    "funding_source": Text("资金来源", "funding source"),
    "geometry": Text("几何", "geometry"),
    "holidays": Text("节假日", "holidays"),
    "if-none-match": Text("If-None-Match 请求头", "the If-None-Match header"),
    "industry": Text("所属行业", "industry"),
    "inside_urban_development_boundary": Text("仅限城镇开发边界内", "inside the urban development boundary"),
    "inspectors_per_target": Text("每个对象的检查人员数", "inspectors per target"),
    "intended_use": Text("拟投资项目及用途", "intended use"),
    "investment_category": Text("投资类别", "investment category"),
    "item_id": Text("审批事项", "approval item"),
    "item_type": Text("事项类型", "item type"),
    "key_level": Text("重点项目级别", "key-project level"),
    "kind": Text("类型", "kind"),
    "land_use": Text("用地性质", "land use"),
    "lang": Text("语言", "language"),
    "layer": Text("图层", "layer"),
    "level": Text("层级", "level"),
    "layer_id": Text("图层", "layer"),
    "limit": Text("条数上限", "limit"),
    "linked_credit_codes": Text("关联的统一社会信用代码", "linked credit codes"),
    "list_kind": Text("名单类型", "list kind"),
    "marking_ids": Text("引用标注", "cited markings"),
    "name": Text("名称", "name"),
    "note": Text("说明", "note"),
    "offset": Text("起始位置", "offset"),
    "organisation": Text("企业或机构名称", "organisation"),
    "page": Text("页码", "page"),
    "page_size": Text("每页条数", "page size"),
    "parcel_code": Text("地块编号", "parcel code"),
    "period": Text("报告期", "period"),
    "phone": Text("联系电话", "phone"),
    "photo": Text("现场照片", "photo"),
    "planned_completion": Text("计划竣工日期", "planned completion"),
    "planned_start": Text("计划开工日期", "planned start"),
    "project_code": Text("项目代码", "project code"),
    "project_type": Text("项目类型", "project type"),
    "proposal_id": Text("项目编号", "proposal id"),
    "published_on": Text("发布日期", "published on"),
    "reason": Text("理由", "reason"),
    "references": Text("引用的批文", "references"),
    "repair": Text("自动修复", "repair"),
    "report_id": Text("报告编号", "report id"),
    "result": Text("结果", "result"),
    "screening_id": Text("检测编号", "screening id"),
    "secret": Text("密码", "secret"),
    "seed": Text("随机种子", "seed"),
    "search_area": Text("搜索范围", "search area"),
    "site": Text("选址", "site"),
    "sort": Text("排序", "sort"),
    "source": Text("来源", "source"),
    "start": Text("开始日期", "start"),
    "status": Text("状态", "status"),
    "store": Text("保存检测结果", "store"),
    "target_count": Text("抽查对象数", "target count"),
    "title": Text("标题", "title"),
    "total_investment_wan": Text("总投资（万元）", "total investment (万元)"),
    "username": Text("用户名", "username"),
    "v": Text("版本标记", "version tag"),
    "valid_from": Text("生效日期", "valid from"),
    "valid_to": Text("失效日期", "valid to"),
    "verdict": Text("审查结论", "verdict"),
    "version": Text("版本", "version"),
    "visual_progress_pct": Text("形象进度（%）", "visual progress (%)"),
    "warning_id": Text("预警编号", "warning id"),
    "workdays": Text("工作日", "working days"),
    "working_days": Text("时限（工作日）", "working days"),
    "x": Text("瓦片列号 x", "tile column x"),
    "y": Text("瓦片行号 y", "tile row y"),
    "year": Text("年度", "year"),
    "z": Text("缩放级别 z", "zoom level z"),
    "body": Text("请求体", "request body"),
    # work plan and joint feasibility review
    "changes": Text("修改意见", "changes"),
    "conclusion": Text("联审意见", "conclusion"),
    "decision": Text("联审决定", "decision"),
    "departments": Text("受邀部门", "invited departments"),
    "meeting_on": Text("联审会议日期", "meeting day"),
    "received_on": Text("可研报告收件日期", "day the study was received"),
    "review_id": Text("联审编号", "review id"),
    "study": Text("可行性研究报告文件", "feasibility study file"),
    # the intermediary hall (网上中介大厅)
    "address": Text("地址", "address"),
    "comment": Text("评价意见", "comment"),
    "commission_id": Text("委托编号", "commission id"),
    "description": Text("委托内容", "description"),
    "draw": Text("随机抽取", "random draw"),
    "eligible": Text("仅列可选取的机构", "eligible only"),
    "grade": Text("资质等级", "grade"),
    "limit_working_days": Text("服务时限（工作日）", "time limit (working days)"),
    "number": Text("证书编号", "certificate number"),
    "provider_id": Text("中介服务机构", "service provider"),
    "qualifications": Text("资质", "qualifications"),
    "rating": Text("评分", "rating"),
    "service_type": Text("服务类型", "service type"),
    "service_types": Text("服务类型", "service types"),
    "valid_until": Text("有效期至", "valid until"),
}
"""Every parameter and body member of the API by its name; tests/test_problem_languages.py checks that the
OpenAPI document names no field missing here."""

phrases(
    "validation",
    field=Text("{field}：{message}", "{field}: {message}"),
    missing=Text("必须填写", "is required"),
    string_too_short=Text("至少{min_length}个字符", "needs at least {min_length} character(s)"),
    string_too_long=Text("最多{max_length}个字符", "may have at most {max_length} character(s)"),
    too_short=Text("至少{min_length}项", "needs at least {min_length} item(s)"),
    too_long=Text("最多{max_length}项", "may have at most {max_length} item(s)"),
    greater_than=Text("须大于{gt}", "must be greater than {gt}"),
    greater_than_equal=Text("须不小于{ge}", "must be at least {ge}"),
    less_than=Text("须小于{lt}", "must be less than {lt}"),
    less_than_equal=Text("须不大于{le}", "must be at most {le}"),
    number=Text("须为数字", "must be a number"),
    integer=Text("须为整数", "must be a whole number"),
    boolean=Text("须为 true 或 false", "must be true or false"),
    text=Text("须为文字", "must be text"),
    pattern=Text("格式不符（须符合 {pattern}）", "does not have the expected form ({pattern})"),
    choice=Text("须为以下之一：{expected}", "must be one of {expected}"),
    date=Text("须为日期，如 2026-03-01", "must be a date such as 2026-03-01"),
    datetime=Text("须为日期时间，如 2026-03-01T09:00:00+08:00",
                  "must be a date and time such as 2026-03-01T09:00:00+08:00"),
    object=Text("须为 JSON 对象", "must be a JSON object"),
    list=Text("须为列表", "must be a list"),
    json=Text("不是有效的 JSON：{error}", "is not valid JSON: {error}"),
    extra=Text("不是可接受的字段，请删除", "is not a field this request takes; leave it out"),
    file=Text("须为上传的文件", "must be an uploaded file"),
    decimal_places=Text("最多{decimal_places}位小数", "may have at most {decimal_places} decimal place(s)"),
    invalid=Text("取值无效", "is not a valid value"),
)

_TYPES: dict[str, str] = {
    "missing": "missing", "missing_argument": "missing",
    "string_too_short": "string_too_short", "string_too_long": "string_too_long",
    "too_short": "too_short", "too_long": "too_long",
    "greater_than": "greater_than", "greater_than_equal": "greater_than_equal",
    "less_than": "less_than", "less_than_equal": "less_than_equal",
    "float_parsing": "number", "float_type": "number", "decimal_parsing": "number", "decimal_type": "number",
    "finite_number": "number",
    "int_parsing": "integer", "int_type": "integer", "int_from_float": "integer", "int_parsing_size": "integer",
    "bool_parsing": "boolean", "bool_type": "boolean",
    "string_type": "text", "string_unicode": "text",
    "string_pattern_mismatch": "pattern",
    "literal_error": "choice", "enum": "choice",
    "date_parsing": "date", "date_type": "date", "date_from_datetime_parsing": "date",
    "date_from_datetime_inexact": "date",
    "datetime_parsing": "datetime", "datetime_type": "datetime", "datetime_from_date_parsing": "datetime",
    "dict_type": "object", "model_type": "object", "model_attributes_type": "object",
    "list_type": "list", "tuple_type": "list", "set_type": "list",
    "json_invalid": "json", "json_type": "json",
    "extra_forbidden": "extra",
    "value_error": "invalid",
    "decimal_max_places": "decimal_places",
}


def field_name(location: tuple[Any, ...]) -> Text:
    """The name of the field a location points at: its innermost named member (``body.site.coordinates.0``
    names the site), or the request body as a whole."""
    for part in reversed(location):
        if isinstance(part, str) and part in FIELD_NAMES:
            return FIELD_NAMES[part]
    named = [part for part in location if isinstance(part, str) and part not in ("body", "query", "path",
                                                                                  "header", "form", "cookie")]
    return Text(named[-1], named[-1]) if named else FIELD_NAMES["body"]


def validation_message(error: dict[str, Any]) -> Message:
    """One validation error (pydantic's or the input boundary's) as a sentence naming the field."""
    context = error.get("ctx") or {}
    given = context.get("message")
    if isinstance(given, Message):
        problem = given
    else:
        key = f"validation.{_TYPES.get(error['type'], 'invalid')}"
        values: dict[str, Any] = {name: context[name] for name in placeholders(CATALOGUE[key].en) if name in context}
        if "expected" in values:  # pydantic's "'zh' or 'en'": the choices, joined in the caller's language
            values["expected"] = re.findall(r"'([^']*)'", str(values["expected"])) or [str(values["expected"])]
        if len(values) < len(placeholders(CATALOGUE[key].en)):
            key, values = "validation.invalid", {}
        problem = Message(key, **values)
    return Message("validation.field", field=field_name(tuple(error["loc"])), message=problem)
