import Mustache

/// The dashboard's pages (mustache). `layout` wraps every page; `{{x}}` is HTML-escaped, and
/// `{{{x}}}` is used only for the server's own SVG and the rendered page body.
enum DashboardTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("layout", layout), ("overview", overview), ("ranking", ranking), ("county", county), ("subject", subject),
        ("ledger", ledger), ("quality", quality), ("reports", reports), ("report", report), ("roster", roster),
        ("signin", signin), ("error", error), ("rankingTable", rankingTable),
    ]

    static let layout = """
        <!doctype html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · 三零创建指挥中心</title>
        <link rel="stylesheet" href="/assets/dashboard.css">
        <script src="/assets/dashboard.js" defer></script>
        </head>
        <body class="{{bodyClass}}">
        <header class="top">
          <div class="brand">三零创建指挥中心 <small>零上访 · 零事故 · 零案件</small></div>
          {{#session}}
          <nav>
            <a href="/{{query}}" {{#navOverview}}aria-current="page"{{/navOverview}}>总览</a>
            <a href="/ranking{{query}}" {{#navRanking}}aria-current="page"{{/navRanking}}>县区排名</a>
            <a href="/ledger{{query}}" {{#navLedger}}aria-current="page"{{/navLedger}}>问题台账</a>
            <a href="/quality" {{#navQuality}}aria-current="page"{{/navQuality}}>数据质量</a>
            <a href="/reports" {{#navReports}}aria-current="page"{{/navReports}}>排名通报</a>
            {{#isOffice}}<a href="/roster" {{#navRoster}}aria-current="page"{{/navRoster}} data-admin>名册导入</a>{{/isOffice}}
          </nav>
          <div class="user">
            <span>{{name}} · {{roleLabel}}</span>
            <form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">退出</button></form>
          </div>
          {{/session}}
        </header>
        {{#picker}}
        <form class="asof" method="get" action="">
          {{#keep}}<input type="hidden" name="{{name}}" value="{{value}}">{{/keep}}
          <label>截至 <input type="date" name="asOf" value="{{asOfDate}}" max="{{today}}" data-asof></label>
          <button type="submit">查看</button>
          {{#historical}}<a href="?{{keepQuery}}">回到今天</a>{{/historical}}
        </form>
        {{/picker}}
        <main id="main" {{#live}}data-live="1"{{/live}}>
        {{{body}}}
        </main>
        <footer>数据截至 <span id="as-of">{{asOfLabel}}</span>{{#live}} · <span id="live-state" data-state="{{#stalled}}stalled{{/stalled}}{{^stalled}}live{{/stalled}}"><span class="live-dot"></span> <span class="live-word">{{#stalled}}停滞 · 最后入库 {{lastApplied}}{{/stalled}}{{^stalled}}实时{{/stalled}}</span></span> · 最后更新 <time id="updated">{{updated}}</time>{{/live}}</footer>
        </body>
        </html>
        """

    static let overview = """
        <h1>总览 <small>{{period}}</small></h1>
        <section class="zeros">
          {{#zeros}}
          <div class="zero"><div class="label">{{label}}未达标主体</div><div class="big" data-figure="breaches.{{key}}">{{count}}</div></div>
          {{/zeros}}
          <div class="zero"><div class="label">创建主体</div><div class="big" data-figure="subjects.total">{{subjects}}</div><div class="small">{{subjectTypes}}</div></div>
        </section>
        <section class="panel">
          <h2>达标率(对照目标)</h2>
          {{{complianceChart}}}
          <table class="figures">
            <thead><tr><th>类别</th><th>达标</th><th>主体数</th><th>达标率</th><th>目标</th><th>差距</th></tr></thead>
            <tbody>{{#compliance}}<tr><td>{{label}}</td><td>{{compliant}}</td><td>{{total}}</td><td data-figure="compliance.{{key}}.rate">{{rate}}</td><td>{{target}}</td><td class="{{gapTone}}">{{gap}}</td></tr>{{/compliance}}</tbody>
          </table>
        </section>
        <section class="panel">
          <h2>问题台账</h2>
          {{{ledgerChart}}}
          <table class="figures">
            <thead><tr><th>类别</th><th>排查</th><th>解决(办结)</th><th>未解决</th><th>逾期</th><th>解决率</th></tr></thead>
            <tbody>{{#problems}}<tr><td>{{label}}</td><td data-figure="problems.{{key}}.found">{{found}}</td><td>{{resolved}}</td><td>{{open}}</td><td class="{{overdueTone}}">{{overdue}}</td><td>{{rate}}</td></tr>{{/problems}}</tbody>
          </table>
        </section>
        <section class="panel">
          <h2>信访统计</h2>
          <dl class="stats">
            <div><dt>批次</dt><dd data-figure="petitions.batches">{{petitions.batches}}</dd></div>
            <div><dt>人次</dt><dd>{{petitions.persons}}</dd></div>
            <div><dt>网上信访占比</dt><dd>{{petitions.onlineShare}}</dd></div>
            <div><dt>本级自查</dt><dd>{{petitions.selfFound}}</dd></div>
            <div><dt>上级交办</dt><dd>{{petitions.superiorAssigned}}</dd></div>
          </dl>
          <h3>四级书记代办</h3>
          <dl class="stats">{{#proxy}}<div><dt>{{label}}</dt><dd>{{count}}</dd></div>{{/proxy}}</dl>
        </section>
        <section class="panel">
          <h2>同比(三下降)</h2>
          <table class="figures">
            <thead><tr><th></th><th>本期</th><th>去年同期</th><th>变化</th></tr></thead>
            <tbody>{{#yoy}}<tr><td>{{label}}</td><td>{{current}}</td><td>{{previous}}</td><td class="{{tone}}">{{change}}</td></tr>{{/yoy}}</tbody>
          </table>
        </section>
        <section class="panel">
          <h2>数据新鲜度</h2>
          <table class="figures">
            <thead><tr><th>来源</th><th>最近入库</th><th>最新事实时间</th><th>事实数</th></tr></thead>
            <tbody>{{#feeds}}<tr><td>{{label}}</td><td>{{lastApplied}}</td><td>{{newestFact}}</td><td>{{facts}}</td></tr>{{/feeds}}</tbody>
          </table>
        </section>
        """

    static let rankingTable = """
        <table class="figures sortable" id="ranking">
          <thead><tr>
            <th data-sort="number">排名</th><th data-sort="text">县(区)</th><th data-sort="number">排名变化</th>
            <th data-sort="number">问题解决率</th><th data-sort="number">达标率</th><th data-sort="number">村(社区)</th>
            <th data-sort="number">企事业单位</th><th data-sort="number">排查</th><th data-sort="number">解决</th><th data-sort="number">逾期</th>
            <th data-sort="number">信访批次</th>
          </tr></thead>
          <tbody>{{#counties}}<tr data-county="{{code}}">
            <td data-value="{{rank}}">{{rank}}</td><td><a href="/county/{{code}}{{query}}">{{name}}</a></td>
            <td data-value="{{rankChangeValue}}" class="{{rankTone}}">{{rankChange}}</td>
            <td data-value="{{resolutionValue}}">{{resolution}}</td><td data-value="{{complianceValue}}">{{compliance}}</td>
            <td data-value="{{ruralValue}}">{{rural}}</td><td data-value="{{eiValue}}">{{ei}}</td>
            <td data-value="{{foundValue}}">{{found}}</td><td data-value="{{resolvedValue}}">{{resolved}}</td>
            <td data-value="{{overdueValue}}">{{overdue}}</td><td data-value="{{batchesValue}}">{{batches}}</td>
          </tr>{{/counties}}</tbody>
        </table>
        """

    static let ranking = """
        <h1>县区排名 <small>{{period}}</small></h1>
        <p class="note">按问题解决率排名,其次按达标率;排名变化对照最近一次保存的排名通报{{#savedAt}}({{savedAt}}){{/savedAt}}。点击表头排序。</p>
        {{> rankingTable}}
        <p class="actions"><a class="button" href="/reports/ranking.csv{{query}}" download>下载 CSV</a></p>
        """

    static let county = """
        <h1>{{name}} <small>{{period}}</small></h1>
        <p class="note">排名第 {{rank}} 位 · 创建主体 {{subjects}}</p>
        <section class="panel"><h2>达标率</h2>{{{complianceChart}}}</section>
        <section class="panel"><h2>问题台账</h2>{{{ledgerChart}}}
          <p><a href="/ledger?county={{code}}{{ampQuery}}">查看本县(区)问题清单</a></p></section>
        <section class="panel"><h2>未达标原因</h2>
          <dl class="stats">{{#zeros}}<div><dt>{{label}}</dt><dd>{{count}}</dd></div>{{/zeros}}</dl></section>
        """

    static let subject = """
        <h1>{{name}} <small>{{code}}</small></h1>
        <p class="note">{{typeLabel}} · {{countyName}}{{#township}} · {{township}}{{/township}} · {{#active}}在册{{/active}}{{^active}}已停用{{/active}}
          · <strong class="{{tone}}">{{verdict}}</strong></p>
        {{#zeros}}
        <section class="panel"><h2>{{label}} <span class="{{tone}}">{{status}}</span></h2>
          {{#events.0}}<table class="figures"><thead><tr><th>时间</th><th>事件</th><th>事件编号</th></tr></thead><tbody>
          {{#events}}<tr><td>{{time}}</td><td>{{type}}</td><td class="mono">{{eventId}}</td></tr>{{/events}}
          </tbody></table>{{/events.0}}
        </section>
        {{/zeros}}
        <section class="panel" id="roster-changes"><h2>名册变更记录</h2>
          <table class="figures"><thead><tr><th>时间</th><th>操作人</th><th>方式</th><th>名称</th><th>乡镇</th><th>状态</th></tr></thead><tbody>
          {{#changes}}<tr><td>{{at}}</td><td>{{by}}</td><td>{{via}}</td><td>{{name}}</td><td>{{township}}</td><td>{{state}}</td></tr>{{/changes}}
          </tbody></table>
        </section>
        """

    static let ledger = """
        <h1>问题台账 <small>{{period}}</small></h1>
        <form class="filters" method="get" action="/ledger">
          <label>类别 <select name="kind"><option value="">全部</option>{{#kinds}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
          <label>县(区) <select name="county"><option value="">全部</option>{{#counties}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/counties}}</select></label>
          <label>状态 <select name="status"><option value="">全部</option>{{#statuses}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
          <label><input type="checkbox" name="overdue" value="true" {{#overdueOnly}}checked{{/overdueOnly}}> 仅逾期</label>
          {{#asOf}}<input type="hidden" name="asOf" value="{{asOf}}">{{/asOf}}
          <button type="submit">筛选</button>
        </form>
        <p class="note" id="ledger-total">共 {{total}} 条 · 第 {{page}} / {{pages}} 页</p>
        <table class="figures" id="ledger">
          <thead><tr><th>类别</th><th>县(区)</th><th>创建主体</th><th>排查时间</th><th>期限</th><th>状态</th></tr></thead>
          <tbody>{{#items}}<tr data-kind="{{kind}}" data-county="{{county}}" data-status="{{status}}" data-overdue="{{overdue}}">
            <td>{{kindLabel}}</td><td>{{countyName}}</td><td><a href="/subject/{{subject}}">{{subject}}</a></td><td>{{registered}}</td><td>{{due}}</td>
            <td class="{{tone}}">{{statusLabel}}</td></tr>{{/items}}</tbody>
        </table>
        <nav class="pages">{{#previous}}<a href="/ledger?{{previous}}" rel="prev">上一页</a>{{/previous}} {{#next}}<a href="/ledger?{{next}}" rel="next">下一页</a>{{/next}}</nav>
        """

    static let quality = """
        <h1>数据质量</h1>
        <section class="panel"><h2>守恒校验</h2>
          <table class="figures"><thead><tr><th>校验</th><th>结果</th><th>说明</th><th>时间</th></tr></thead>
          <tbody>{{#checks}}<tr><td>{{name}}</td><td class="{{tone}}">{{result}}</td><td>{{detail}}</td><td>{{checkedAt}}</td></tr>{{/checks}}</tbody></table></section>
        <section class="panel"><h2>隔离事件 <small>{{quarantineCount}}</small></h2>
          <table class="figures"><thead><tr><th>时间</th><th>主题</th><th>分区/位移</th><th>原因</th><th>主体</th><th>状态</th></tr></thead>
          <tbody>{{#quarantine}}<tr><td>{{receivedAt}}</td><td>{{topic}}</td><td>{{partition}}/{{offset}}</td><td>{{reason}}</td><td>{{subject}}</td><td>{{state}}</td></tr>{{/quarantine}}</tbody></table></section>
        <section class="panel"><h2>序号缺口</h2>
          {{^gaps}}<p class="good">无缺口</p>{{/gaps}}
          <table class="figures"><tbody>{{#gaps}}<tr><td>{{source}}</td><td>缺 {{missing}} 条(至 {{highest}})</td><td>{{ranges}}</td></tr>{{/gaps}}</tbody></table></section>
        <section class="panel"><h2>消费延迟</h2>
          <p>合计延迟 <strong id="total-lag">{{totalLag}}</strong> 条</p>
          <table class="figures"><thead><tr><th>主题</th><th>分区</th><th>已消费</th><th>最新</th><th>延迟</th></tr></thead>
          <tbody>{{#offsets}}<tr><td>{{topic}}</td><td>{{partition}}</td><td>{{nextOffset}}</td><td>{{highWatermark}}</td><td>{{lag}}</td></tr>{{/offsets}}</tbody></table></section>
        <section class="panel"><h2>数据新鲜度</h2>
          <table class="figures"><tbody>{{#feeds}}<tr><td>{{label}}</td><td>{{lastApplied}}</td><td>{{facts}}</td></tr>{{/feeds}}</tbody></table></section>
        """

    static let reports = """
        <h1>排名通报</h1>
        {{#isOffice}}
        <form class="save" method="post" action="/reports" data-admin>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label>截至 <input type="date" name="asOf" value="{{today}}" max="{{today}}" required></label>
          <button type="submit">保存排名通报</button>
        </form>
        {{/isOffice}}
        <table class="figures"><thead><tr><th>截至</th><th>保存时间</th><th>保存人</th><th>内容校验(SHA-256)</th><th></th></tr></thead>
        <tbody>{{#saved}}<tr><td>{{asOf}}</td><td>{{savedAt}}</td><td>{{savedBy}}</td><td class="mono">{{hash}}</td>
          <td><a href="/reports/{{id}}">查看/打印</a> · <a href="/reports/{{id}}/ranking.csv" download>CSV</a></td></tr>{{/saved}}</tbody></table>
        {{^saved}}<p class="note">尚未保存排名通报。</p>{{/saved}}
        """

    static let report = """
        <article class="notice">
        <h1>长治市“三零”创建县区排名通报</h1>
        <p class="meta">统计期间 {{period}} · 保存于 {{savedAt}} · 保存人 {{savedBy}}</p>
        <p class="meta mono">内容校验 SHA-256 {{hash}}</p>
        {{#restated}}
        <section class="restatement" id="restatement">
          <h2>更正说明</h2>
          <p>通报保存后,又收到统计期内的迟报事件 <strong>{{lateEvents}}</strong> 条,以下数字已变化(括号内为通报原值):</p>
          <ul>{{#changes}}<li>{{.}}</li>{{/changes}}</ul>
        </section>
        {{/restated}}
        {{^restated}}{{#lateEvents}}<p class="note">保存后收到统计期内的迟报事件 {{lateEvents}} 条,排名与数字未变。</p>{{/lateEvents}}{{/restated}}
        <table class="figures">
          <thead><tr><th>排名</th><th>县(区)</th><th>排名变化</th><th>问题解决率</th><th>达标率</th><th>排查</th><th>解决</th><th>逾期</th><th>信访批次</th></tr></thead>
          <tbody>{{#counties}}<tr><td>{{rank}}</td><td>{{name}}</td><td>{{rankChange}}</td><td>{{resolution}}</td><td>{{compliance}}</td><td>{{found}}</td><td>{{resolved}}</td><td>{{overdue}}</td><td>{{batches}}</td></tr>{{/counties}}</tbody>
        </table>
        <p class="actions screen-only"><a class="button" href="/reports/{{id}}/ranking.csv" download>下载 CSV</a> <button type="button" data-print>打印</button></p>
        </article>
        """

    static let roster = """
        <h1>名册导入 <small>创建主体名册(CSV:code,name,type,county,township,active)</small></h1>
        <form id="roster-form" data-admin data-csrf="{{csrf}}">
          <input type="file" name="file" accept=".csv,text/csv" required>
          <button type="submit">导入</button>
        </form>
        <pre id="roster-result" class="result"></pre>
        """

    static let signin = """
        <section class="signin">
          <h1>登录</h1>
          {{#failed}}<p class="bad" role="alert">用户名或口令不正确,或该账号无权使用指挥中心。</p>{{/failed}}
          <form method="post" action="/login">
            <input type="hidden" name="next" value="{{next}}">
            <label>用户名 <input name="name" autocomplete="username" required></label>
            <label>口令 <input name="token" type="password" autocomplete="current-password" required></label>
            <button type="submit">登录</button>
          </form>
        </section>
        """

    static let error = """
        <section class="signin"><h1>{{title}}</h1><p>{{detail}}</p><p><a href="/">返回总览</a></p></section>
        """
}
